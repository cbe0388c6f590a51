package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestLivePodmanCompatibleSocket audits Podman through its Docker-compatible
// API: a (created) container with Podman's own socket mounted must be
// reported as a podman asset failing the runtime-socket checks.
func TestLivePodmanCompatibleSocket(t *testing.T) {
	cli := livetest.Podman(t)
	name := livetest.NamePrefix + "podman-sock-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name,
		Config:     &container.Config{Image: livetest.PodmanImage, Cmd: []string{"/bin/sleep", "3600"}, Labels: map[string]string{livetest.Label: "1"}},
		HostConfig: &container.HostConfig{Binds: []string{"/run/podman/podman.sock:/run/podman/podman.sock"}, NetworkMode: "none"}})
	if err != nil {
		t.Fatalf("create podman container: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true})
	})

	rep := liveScanHost(t, livetest.PodmanHost, true)
	var asset *audit.AssetResult
	for i := range rep.Assets {
		if rep.Assets[i].Name == name {
			asset = &rep.Assets[i]
		}
	}
	if asset == nil {
		t.Fatalf("podman container %s not in the report", name)
	}
	if asset.Platform != "podman" || !strings.HasPrefix(asset.ID, "podman://") {
		t.Errorf("asset = %s on %s, want a podman asset", asset.ID, asset.Platform)
	}
	fails := failing(rep, asset.ID)
	for _, id := range []string{"CE-SOCK-001", "CE-CHAIN-001"} {
		if _, ok := fails[id]; !ok {
			t.Errorf("%s did not fail; failing: %s", id, keys(fails))
		}
	}
	assertEvidence(t, fails["CE-SOCK-001"], "Mounts[].Source", "/run/podman/podman.sock")
	if asset.Risk < 90 {
		t.Errorf("risk %.1f, want ≥ 90", asset.Risk)
	}
}
