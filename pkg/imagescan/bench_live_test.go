//go:build goexperiment.jsonv2

package imagescan

import (
	"fmt"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/strslice"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// BenchmarkLiveScan100Containers5Images audits 100 containers created
// from 5 distinct images on the real daemon, with the fixture DB: the
// whole scan (collection, trust, image scan, checks) per iteration, and
// images_scanned/op shows each image is scanned once.
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench LiveScan100 -benchtime 3x ./pkg/imagescan/
func BenchmarkLiveScan100Containers5Images(b *testing.B) {
	livetest.Docker(b)
	dbDir := writeFixtureDB(b)
	repo := livetest.UniqueRepo(b, "isoaudit-test/imagescan-bench")
	var refs []string
	for i := range 5 {
		ref := fmt.Sprintf("%s:%d", repo, i)
		livetest.LoadImage(b, livetest.ImageSpec{Files: alpineFiles(fmt.Sprintf("1.7.1-r%d", i)), User: "1000"}, ref)
		refs = append(refs, ref)
	}
	for i := range 100 {
		livetest.Container(b, fmt.Sprintf("imgbench-%03d", i),
			&container.Config{Image: refs[i%5], Cmd: strslice.StrSlice{"/bin/sleep", "3600"}}, nil, false)
	}
	opts := DefaultOptions()
	opts.DBDir, opts.Offline = dbDir, true
	sc, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	b.ResetTimer()
	var rep *audit.Report
	for b.Loop() {
		rep = liveScan(b, livetest.NamePrefix+"imgbench-", sc)
	}
	b.StopTimer()
	if len(rep.Assets) != 100 {
		b.Fatalf("assets = %d, want 100", len(rep.Assets))
	}
	perRun := float64(sc.ImagesScanned()) / float64(b.N)
	if perRun != 5 {
		b.Fatalf("images scanned per scan = %v, want 5", perRun)
	}
	vulnerable := 0
	for _, f := range rep.Findings.All() {
		if f.CheckID == "CE-IMG-010" && f.Status == audit.StatusFail {
			vulnerable++
		}
	}
	if vulnerable != 20 { // jq 1.7.1-r0 is below the fix; r1…r4 are not
		b.Errorf("containers with the fixture CVE = %d, want 20", vulnerable)
	}
	b.ReportMetric(perRun, "images_scanned/op")
	b.ReportMetric(100, "containers/op")
}
