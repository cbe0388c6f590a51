package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
)

const capturedDir = "../testdata/docker"

func readCaptured(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(capturedDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", rel, err)
	}
}

// capturedHost is the context of the Docker 20.10.24 daemon the inspect
// documents were captured from (cgroup v1, seccomp, no AppArmor).
func capturedHost(t *testing.T) audit.Host {
	var info system.Info
	var version system.VersionResponse
	readCaptured(t, "daemon/info.json", &info)
	readCaptured(t, "daemon/version.json", &version)
	return docker.HostFromDaemon(info, client.ServerVersionResult{
		Platform: client.PlatformInfo{Name: version.Platform.Name}, Version: version.Version,
		APIVersion: version.APIVersion, Arch: version.Arch, Components: version.Components,
	})
}

func capturedContainer(t *testing.T, name string, host audit.Host) *audit.Container {
	var list []container.InspectResponse
	readCaptured(t, filepath.Join("inspect", name+".json"), &list)
	if len(list) != 1 {
		t.Fatalf("inspect/%s.json: want 1 container, got %d", name, len(list))
	}
	return docker.NormalizeContainer(list[0], nil, host)
}

// capturedExpect names, per captured document, checks that must fail on the
// captured host (cgroup v1, no AppArmor) and checks that must not. Every
// one of these documents is a root container without no-new-privileges.
var capturedExpect = map[string]struct{ fail, pass []string }{
	"default": {fail: []string{"CE-USER-001", "CE-NS-005", "CE-CAP-007", "CE-LSM-004", "CE-FS-001", "CE-NS-006"},
		pass: []string{"CE-LSM-002", "CE-LSM-001", "CE-SOCK-001", "CE-RT-001"}},
	"privileged": {fail: []string{"CE-PRIV-001", "CE-CHAIN-002", "CE-CHAIN-003", "CE-CHAIN-010"},
		pass: []string{"CE-CAP-001", "CE-CAP-002", "CE-LSM-001", "CE-LSM-002", "CE-LSM-003", "CE-LSM-005", "CE-MNT-004"}},
	"cap-add-all":            {fail: []string{"CE-CAP-001", "CE-CHAIN-003", "CE-CHAIN-005", "CE-CHAIN-006", "CE-CHAIN-007"}, pass: []string{"CE-CAP-002", "CE-CAP-007", "CE-PRIV-001"}},
	"sysadmin-dropall":       {fail: []string{"CE-CAP-002", "CE-CHAIN-003", "CE-CHAIN-005"}, pass: []string{"CE-CAP-007", "CE-CAP-001"}},
	"docker-sock-ro":         {fail: []string{"CE-SOCK-001", "CE-CHAIN-001"}, pass: []string{"CE-MNT-001", "CE-MNT-009"}},
	"created-bind":           {fail: []string{"CE-SOCK-001", "CE-MNT-009"}, pass: []string{"CE-MNT-001"}},
	"host-root":              {fail: []string{"CE-MNT-001", "CE-SOCK-001", "CE-SOCK-002", "CE-CHAIN-011"}, pass: []string{"CE-MNT-009"}},
	"pid-host":               {fail: []string{"CE-NS-001"}, pass: []string{"CE-LSM-003", "CE-CHAIN-008"}},
	"host-namespaces":        {fail: []string{"CE-NS-002", "CE-NS-003", "CE-NS-004", "CE-CHAIN-014"}, pass: []string{"CE-LSM-003", "CE-LSM-004"}},
	"label-disable":          {fail: []string{"CE-LSM-003"}},
	"apparmor-unconfined":    {fail: []string{"CE-LSM-002"}},
	"seccomp-unconfined":     {fail: []string{"CE-LSM-001", "CE-CHAIN-004"}},
	"seccomp-custom":         {pass: []string{"CE-LSM-001", "CE-LSM-004", "CE-CHAIN-004"}},
	"systempaths-unconfined": {fail: []string{"CE-LSM-005", "CE-CHAIN-009"}},
	"device-loop":            {fail: []string{"CE-DEV-001", "CE-CHAIN-012"}},
	"device-cgroup-rule":     {fail: []string{"CE-DEV-002", "CE-CHAIN-012"}},
	"sysctl":                 {fail: []string{"CE-SYSCTL-001"}, pass: []string{"CE-SYSCTL-002"}},
	"propagation-shared":     {fail: []string{"CE-MNT-008"}},
	"readonly-user":          {pass: []string{"CE-USER-001", "CE-FS-001", "CE-NS-005"}},
	"volume-resources":       {pass: []string{"CE-MNT-001", "CE-MNT-009", "CE-RES-001", "CE-RES-002", "CE-RES-003"}},
}

// TestCapturedInspectDocuments runs the library over inspect documents
// captured from a real dockerd, normalized by the real collector code, on
// the captured host and offline (no host facts): no check may error, and
// the expectations of capturedExpect hold on the captured host.
func TestCapturedInspectDocuments(t *testing.T) {
	_, eng, _ := builtinEngine(t)
	host := capturedHost(t)
	files, err := filepath.Glob(filepath.Join(capturedDir, "inspect", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured inspect documents: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		for _, h := range []audit.Host{host, {}} {
			a := &audit.Asset{ID: name, Name: name, Kind: audit.KindContainer, Host: &h,
				Container: capturedContainer(t, name, h)}
			var failed, unknown []string
			for _, fd := range eng.EvaluateAsset(a) {
				switch fd.Status {
				case audit.StatusFail:
					failed = append(failed, fd.CheckID)
				case audit.StatusUnknown:
					unknown = append(unknown, fd.CheckID)
				case audit.StatusError:
					t.Errorf("%s: %s errored: %s", name, fd.CheckID, fd.Message)
				}
			}
			sort.Strings(failed)
			t.Logf("%-24s known=%v fail=%v unknown=%v", name, h.Known, failed, unknown)
			if !h.Known {
				continue
			}
			got := map[string]bool{}
			for _, id := range failed {
				got[id] = true
			}
			want := capturedExpect[name]
			for _, id := range want.fail {
				if !got[id] {
					t.Errorf("%s: %s should fail", name, id)
				}
			}
			for _, id := range want.pass {
				if got[id] {
					t.Errorf("%s: %s should not fail", name, id)
				}
			}
		}
	}
}
