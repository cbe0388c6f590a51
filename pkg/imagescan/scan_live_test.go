//go:build goexperiment.jsonv2

package imagescan

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/strslice"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/scan"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// fakeKeyBody is a private key's shape (not a key): trivy's private-key
// rule matches it, and it must never reach a report.
const fakeKeyBody = "MIIEowIBAAKCAQEAisoauditFixtureNotARealKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// ownAssets keeps the assets of one test's containers: other tests and
// helpers share the daemon.
type ownAssets struct {
	collect.Collector
	prefix string
}

func (o ownAssets) Collect(ctx context.Context) (*collect.Batch, error) {
	b, err := o.Collector.Collect(ctx)
	if b != nil {
		b.Assets = slices.DeleteFunc(b.Assets, func(a audit.Asset) bool { return !strings.HasPrefix(a.Name, o.prefix) })
		b.Errors = nil
	}
	return b, err
}

// liveScan audits this test's containers (name prefix) with the built-in
// library, the default trust policy and sc.
func liveScan(t testing.TB, prefix string, sc *Scanner) *audit.Report {
	t.Helper()
	cat, err := checks.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat, engine.WithKinds(audit.KindContainer))
	if err != nil {
		t.Fatal(err)
	}
	opts := docker.DefaultOptions()
	opts.All = true
	col, err := docker.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := policy.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := scan.Run(ctx, scan.Config{Collectors: []collect.Collector{ownAssets{col, prefix}}, Engine: eng,
		Weights: score.DefaultWeights(), Gate: policy.NoGate(), Tool: audit.Tool{Name: "isoaudit", Version: "test"},
		Trust: &profile.Trust, Images: sc})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func findingsOf(r *audit.Report, name string) map[string]audit.Finding {
	out := map[string]audit.Finding{}
	var id string
	for _, a := range r.Assets {
		if a.Name == name {
			id = a.ID
		}
	}
	for _, f := range r.Findings.All() {
		if f.AssetID == id {
			out[f.CheckID] = f
		}
	}
	return out
}

func evidenceText(f audit.Finding) string {
	b, _ := json.Marshal(f.Evidence)
	return string(b)
}

// TestLiveImageScanFixtureDB loads an Alpine-looking image with a
// vulnerable jq and a private key, and its fixed twin, into the real
// daemon, runs containers from them and audits them with a vulnerability
// DB built here: the fixture CVE appears with its fixed version on the
// vulnerable image only, is escalated on a privileged container, counts
// once in the score, and the key is reported by rule and path, never by
// content. Each image is scanned once.
func TestLiveImageScanFixtureDB(t *testing.T) {
	livetest.Docker(t)
	dbDir := writeFixtureDB(t)
	suffix := strings.TrimPrefix(t.Name(), "Test")
	vulnFiles := alpineFiles("1.7.1-r0")
	vulnFiles["root/.ssh/id_rsa"] = "-----BEGIN RSA PRIVATE KEY-----\n" + fakeKeyBody + "\n" + fakeKeyBody + "\n-----END RSA PRIVATE KEY-----\n"
	vulnRef := livetest.UniqueRepo(t, "isoaudit-test/imagescan-vuln") + ":" + strings.ToLower(suffix)
	fixedRef := livetest.UniqueRepo(t, "isoaudit-test/imagescan-fixed") + ":" + strings.ToLower(suffix)
	livetest.LoadImage(t, livetest.ImageSpec{Files: vulnFiles, User: "1000", History: []string{"/bin/sh -c #(nop)  EXPOSE 22/tcp"}}, vulnRef)
	livetest.LoadImage(t, livetest.ImageSpec{Files: alpineFiles(fixtureFixed), User: "1000"}, fixedRef)

	prefix := livetest.NamePrefix + "imgscan-"
	vuln := livetest.Container(t, "imgscan-vuln", &container.Config{Image: vulnRef}, nil, true)
	vuln2 := livetest.Container(t, "imgscan-vuln2", &container.Config{Image: vulnRef}, nil, true)
	fixed := livetest.Container(t, "imgscan-fixed", &container.Config{Image: fixedRef}, nil, true)
	// Privileged containers cannot start on every machine: create only.
	priv := livetest.Container(t, "imgscan-priv", &container.Config{Image: vulnRef, Cmd: strslice.StrSlice{"/bin/sleep", "3600"}},
		&container.HostConfig{Privileged: true}, false)

	opts := DefaultOptions()
	opts.DBDir, opts.Offline = dbDir, true
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rep := liveScan(t, prefix, sc)

	if got := sc.ImagesScanned(); got != 2 {
		t.Errorf("images scanned = %d, want 2 (4 containers, 2 images)", got)
	}
	src := rep.Sources[len(rep.Sources)-1]
	if src.Kind != SourceKind || src.Status != audit.SourceOK || src.Assets != 2 {
		t.Errorf("trivy source = %+v", src)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %+v", rep.Errors)
	}

	for _, name := range []string{vuln, vuln2} {
		f := findingsOf(rep, name)
		if f["CE-IMG-010"].Status != audit.StatusFail {
			t.Fatalf("%s: CE-IMG-010 = %+v", name, f["CE-IMG-010"])
		}
		ev := evidenceText(f["CE-IMG-010"])
		if !strings.Contains(ev, fixtureCVE) || !strings.Contains(ev, "fixed in "+fixtureFixed) || !strings.Contains(ev, `"high":1`) {
			t.Errorf("%s: CE-IMG-010 evidence %s lacks the CVE, its fixed version or the count", name, ev)
		}
		if f["CE-IMG-011"].Status != audit.StatusFail || !strings.Contains(evidenceText(f["CE-IMG-011"]), "private-key") ||
			!strings.Contains(evidenceText(f["CE-IMG-011"]), "/root/.ssh/id_rsa") {
			t.Errorf("%s: CE-IMG-011 = %+v", name, f["CE-IMG-011"])
		}
		if f["CE-IMG-012"].Status != audit.StatusFail || !strings.Contains(evidenceText(f["CE-IMG-012"]), "DS-0004") {
			t.Errorf("%s: image config exposes port 22: CE-IMG-012 = %s %s", name, f["CE-IMG-012"].Status, evidenceText(f["CE-IMG-012"]))
		}
		if f["CE-CHAIN-016"].Status != audit.StatusPass {
			t.Errorf("%s: not escape-prone, CE-CHAIN-016 = %s", name, f["CE-CHAIN-016"].Status)
		}
	}
	f := findingsOf(rep, fixed)
	for _, id := range []string{"CE-IMG-010", "CE-IMG-013", "CE-IMG-011", "CE-IMG-012"} {
		if f[id].Status != audit.StatusPass {
			t.Errorf("fixed image: %s = %s %v", id, f[id].Status, f[id].Evidence)
		}
	}

	f = findingsOf(rep, priv)
	chain := f["CE-CHAIN-016"]
	if chain.Status != audit.StatusFail || chain.Severity != audit.SeverityCritical ||
		!slices.Contains(chain.Chain, "CE-IMG-010") || !slices.Contains(chain.Chain, "CE-PRIV-001") {
		t.Fatalf("privileged + vulnerable: CE-CHAIN-016 = %+v", chain)
	}
	if !strings.Contains(evidenceText(chain), fixtureCVE) {
		t.Errorf("the chain does not carry the CVE evidence: %s", evidenceText(chain))
	}
	if f["CE-IMG-010"].Weight != 0 || chain.Weight == 0 {
		t.Errorf("vulnerabilities counted twice: CE-IMG-010 weight %v, chain weight %v", f["CE-IMG-010"].Weight, chain.Weight)
	}

	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "isoauditFixtureNotARealKey") {
		t.Error("the secret's text reached the report")
	}
}

// TestLiveImageScanWithoutDB: no DB means unknown with the reason, never
// a pass, and the auto mode scans nothing.
func TestLiveImageScanWithoutDB(t *testing.T) {
	livetest.Docker(t)
	ref := livetest.UniqueRepo(t, "isoaudit-test/imagescan-nodb") + ":1"
	livetest.LoadImage(t, livetest.ImageSpec{Files: alpineFiles("1.7.1-r0"), User: "1000"}, ref)
	name := livetest.Container(t, "imgnodb", &container.Config{Image: ref}, nil, true)
	for _, mode := range []Mode{ModeAuto, ModeOn} {
		t.Run(string(mode), func(t *testing.T) {
			opts := DefaultOptions()
			opts.Mode, opts.DBDir, opts.Offline = mode, t.TempDir(), true
			sc, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			start := time.Now()
			rep := liveScan(t, livetest.NamePrefix+"imgnodb-", sc)
			f := findingsOf(rep, name)
			if f["CE-IMG-010"].Status != audit.StatusUnknown || f["CE-IMG-013"].Status != audit.StatusUnknown {
				t.Errorf("without a DB: CE-IMG-010 %s, CE-IMG-013 %s, want unknown", f["CE-IMG-010"].Status, f["CE-IMG-013"].Status)
			}
			src := rep.Sources[len(rep.Sources)-1]
			if !strings.Contains(src.Error, "no trivy vulnerability DB") {
				t.Errorf("source = %+v, want the missing DB named", src)
			}
			switch mode {
			case ModeAuto:
				if src.Status != audit.SourceSkipped || sc.ImagesScanned() != 0 {
					t.Errorf("auto without a DB: source %s, %d images scanned", src.Status, sc.ImagesScanned())
				}
			case ModeOn:
				// The layers are still read: the secret check works
				// without a DB; --offline forbids the download.
				if src.Status != audit.SourceError || !strings.Contains(src.Error, "--offline") || sc.ImagesScanned() != 1 {
					t.Errorf("on + offline without a DB: source %+v, %d images scanned", src, sc.ImagesScanned())
				}
				if f["CE-IMG-011"].Status != audit.StatusPass {
					t.Errorf("secrets need no DB: CE-IMG-011 = %s", f["CE-IMG-011"].Status)
				}
			}
			t.Logf("%s: %v", mode, time.Since(start))
		})
	}
}
