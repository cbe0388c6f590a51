package docker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// testdataDir holds inspect documents captured from Docker 20.10.24.
const testdataDir = "../../../testdata/docker"

// readJSON decodes a testdata file into v.
func readJSON(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", rel, err)
	}
}

// inspectFixture returns the single container of inspect/<name>.json.
func inspectFixture(t *testing.T, name string) container.InspectResponse {
	t.Helper()
	var list []container.InspectResponse
	readJSON(t, filepath.Join("inspect", name+".json"), &list)
	if len(list) != 1 {
		t.Fatalf("inspect/%s.json: want 1 container, got %d", name, len(list))
	}
	return list[0]
}

// imageFixture returns the captured inspect of the test busybox image.
func imageFixture(t *testing.T) *image.InspectResponse {
	t.Helper()
	var list []image.InspectResponse
	readJSON(t, "daemon/image-busybox.json", &list)
	return &list[0]
}

// daemonFixture returns the captured /info and /version answers.
func daemonFixture(t *testing.T) (system.Info, client.ServerVersionResult) {
	t.Helper()
	var info system.Info
	var version system.VersionResponse
	readJSON(t, "daemon/info.json", &info)
	readJSON(t, "daemon/version.json", &version)
	return info, client.ServerVersionResult{
		Platform: client.PlatformInfo{Name: version.Platform.Name}, Version: version.Version,
		APIVersion: version.APIVersion, MinAPIVersion: version.MinAPIVersion, Os: version.Os,
		Arch: version.Arch, Components: version.Components,
	}
}

// hostFixture is the host context of the daemon the fixtures came from.
func hostFixture(t *testing.T) audit.Host {
	t.Helper()
	return HostFromDaemon(daemonFixture(t))
}
