package imagescan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// fakeBackend records the images it is asked to scan.
type fakeBackend struct {
	mu      sync.Mutex
	scanned []string
	dbErr   error
	failID  string
}

func (f *fakeBackend) prepareDB(context.Context) ([]string, error) {
	return []string{"fake DB"}, f.dbErr
}

func (f *fakeBackend) scanImage(_ context.Context, host, id string, withVulns bool) (audit.ImageScan, error) {
	f.mu.Lock()
	f.scanned = append(f.scanned, host+" "+id)
	f.mu.Unlock()
	if id == f.failID {
		return audit.ImageScan{}, errors.New("layer unreadable")
	}
	res := audit.ImageScan{Status: audit.ImageScanOK, Analyzed: true, OS: "alpine 3.22.1"}
	if withVulns {
		res.Vulnerabilities.High = 1
	}
	return res, nil
}

func (f *fakeBackend) built() error { return nil }
func (f *fakeBackend) close() error { return nil }

func containerAsset(name, source, imageID string) audit.Asset {
	return audit.Asset{Name: name, Kind: audit.KindContainer, Platform: "docker", Source: source,
		Container: &audit.Container{Name: name, Image: audit.Image{ID: imageID}}}
}

func withDB(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trivy.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScanImagesOncePerImage: 100 containers of 5 images on one daemon,
// plus an offline asset and an ssh endpoint, cost 5 scans.
func TestScanImagesOncePerImage(t *testing.T) {
	fake := &fakeBackend{}
	s := &Scanner{opts: Options{Mode: ModeAuto, Concurrency: 3, DBDir: withDB(t)}, backend: fake}
	var assets []audit.Asset
	for i := range 100 {
		assets = append(assets, containerAsset(fmt.Sprintf("c%03d", i), "unix:///var/run/docker.sock", fmt.Sprintf("sha256:%d", i%5)))
	}
	assets = append(assets, containerAsset("offline", "/tmp/inspect.json", "sha256:0"),
		containerAsset("remote", "ssh://node7", "sha256:0"),
		containerAsset("tcp", "tcp://node8:2376", "sha256:0"),
		audit.Asset{Name: "vm", Kind: audit.KindVM, Platform: "libvirt"})
	// 100 containers of 5 images, then offline, ssh and tcp assets, then a VM.
	src, errs := s.ScanImages(context.Background(), assets)
	if len(fake.scanned) != 5 || s.ImagesScanned() != 5 || src.Assets != 5 || len(errs) != 0 {
		t.Fatalf("scanned %v (%d), source %+v, errors %v", fake.scanned, s.ImagesScanned(), src, errs)
	}
	for _, a := range assets[:100] {
		if sc := a.Container.Image.Scan; sc.Status != audit.ImageScanOK || sc.Vulnerabilities.High != 1 {
			t.Fatalf("%s: %+v", a.Name, sc)
		}
	}
	if r := assets[100].Container.Image.Scan; r.Status != audit.ImageScanUnknown || !strings.Contains(r.Reason, "offline input") {
		t.Errorf("offline asset: %+v", r)
	}
	if r := assets[101].Container.Image.Scan; r.Status != audit.ImageScanUnknown || !strings.Contains(r.Reason, "ssh://") {
		t.Errorf("ssh asset: %+v", r)
	}
	if r := assets[102].Container.Image.Scan; r.Status != audit.ImageScanUnknown || !strings.Contains(r.Reason, "local daemon sockets only") {
		t.Errorf("tcp asset: %+v", r)
	}
	if src.Status != audit.SourceOK || src.Kind != SourceKind || !strings.Contains(strings.Join(src.Notes, ";"), "fake DB") {
		t.Errorf("source = %+v", src)
	}
}

func TestScanImagesModes(t *testing.T) {
	tests := []struct {
		name       string
		mode       Mode
		db         bool
		dbErr      error
		failID     string
		wantStatus string // source status
		wantScans  int
		wantImage  string // scan status of the containers
		wantErrs   int
	}{
		{"auto without a DB scans nothing", ModeAuto, false, nil, "", audit.SourceSkipped, 0, audit.ImageScanUnknown, 0},
		{"off scans nothing", ModeOff, true, nil, "", audit.SourceSkipped, 0, audit.ImageScanUnknown, 0},
		{"on without a usable DB still reads the layers", ModeOn, false, errors.New("no trivy vulnerability DB"), "", audit.SourceError, 2, audit.ImageScanUnknown, 0},
		{"auto with a broken DB", ModeAuto, true, errors.New("open trivy DB: bad"), "", audit.SourceSkipped, 0, audit.ImageScanUnknown, 0},
		{"one image fails", ModeAuto, true, nil, "sha256:b", audit.SourceOK, 2, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.db {
				dir = withDB(t)
			}
			fake := &fakeBackend{dbErr: tt.dbErr, failID: tt.failID}
			s := &Scanner{opts: Options{Mode: tt.mode, Concurrency: 2, DBDir: dir}, backend: fake}
			assets := []audit.Asset{containerAsset("a", "unix:///run/docker.sock", "sha256:a"),
				containerAsset("b", "unix:///run/docker.sock", "sha256:b")}
			src, errs := s.ScanImages(context.Background(), assets)
			if src.Status != tt.wantStatus || len(fake.scanned) != tt.wantScans || len(errs) != tt.wantErrs {
				t.Fatalf("source %+v, scanned %v, errors %v", src, fake.scanned, errs)
			}
			if tt.wantImage != "" {
				for _, a := range assets {
					if sc := a.Container.Image.Scan; sc.Status != tt.wantImage || sc.Reason == "" {
						t.Errorf("%s: %+v, want %s with a reason", a.Name, sc, tt.wantImage)
					}
				}
			}
			if tt.failID != "" {
				if sc := assets[1].Container.Image.Scan; sc.Status != audit.ImageScanError || !strings.Contains(errs[0].Message, "layer unreadable") {
					t.Errorf("failed image: %+v, %v", sc, errs)
				}
				if assets[0].Container.Image.Scan.Status != audit.ImageScanOK {
					t.Errorf("one image's failure lost the other's result")
				}
			}
		})
	}
}

// TestScanImagesOfflineOnly: offline input gives no source at all.
func TestScanImagesOfflineOnly(t *testing.T) {
	fake := &fakeBackend{}
	s := &Scanner{opts: Options{Mode: ModeOn, Concurrency: 1, DBDir: withDB(t)}, backend: fake}
	assets := []audit.Asset{containerAsset("saved", "/tmp/inspect.json", "sha256:0")}
	src, errs := s.ScanImages(context.Background(), assets)
	if src.Kind != "" || len(errs) != 0 || len(fake.scanned) != 0 {
		t.Errorf("source %+v, errors %v, scanned %v", src, errs, fake.scanned)
	}
	if sc := assets[0].Container.Image.Scan; sc.Status != audit.ImageScanUnknown || !strings.Contains(sc.Reason, "offline input") {
		t.Errorf("offline container: %+v", sc)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Setenv("TRIVY_CACHE_DIR", "/var/cache/trivy-test")
	o := DefaultOptions()
	if err := o.Validate(); err != nil || o.DBDir != "/var/cache/trivy-test/db" {
		t.Errorf("default DB dir = %q, %v", o.DBDir, err)
	}
	for _, bad := range []Options{{Mode: "sometimes", Concurrency: 1}, {Mode: ModeOn, Concurrency: 0}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o = Options{Mode: ModeAuto, Concurrency: 1, DBDir: f}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as DB dir: %v", err)
	}
	if _, err := ParseMode("ON"); err != nil {
		t.Error(err)
	}
}
