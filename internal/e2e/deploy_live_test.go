package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestLiveDeployImageAuditsItsNode builds the image of deploy/Dockerfile
// (on the local busybox test image, nothing pulled) and runs the
// DaemonSet's scan in it with the DaemonSet's constraints: the Docker
// socket mounted read-only, read-only root filesystem, every capability
// dropped, no-new-privileges, no network. The scan must succeed through
// discovery and report the daemon's containers, itself included, with
// its own socket mount failing CE-SOCK-001.
func TestLiveDeployImageAuditsItsNode(t *testing.T) {
	docker := livetest.Docker(t)
	base := livetest.BusyboxImage(t)
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no static build for %s", runtime.GOARCH)
	}
	bin := buildIsoaudit(t)
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buildCtx bytes.Buffer
	tw := tar.NewWriter(&buildCtx)
	for name, f := range map[string]struct {
		data []byte
		mode int64
	}{"Dockerfile": {dockerfile, 0o644}, "isoaudit": {binary, 0o755}} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	tag := "isoaudit-test/deploy:" + strings.TrimPrefix(livetest.NamePrefix, "isoaudit-") + "wf"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := docker.ImageBuild(ctx, &buildCtx, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		BuildArgs: map[string]*string{"BASE": &base}})
	if err != nil {
		t.Fatalf("build image: %v", err)
	}
	log, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(log, []byte("Successfully tagged")) {
		t.Fatalf("build image %s:\n%s", tag, log)
	}
	t.Cleanup(func() {
		_, _ = docker.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})

	name := livetest.Container(t, "wf-deploy", &container.Config{Image: tag,
		Cmd: []string{"scan", "--all", "--docker-host", "unix:///var/run/docker.sock", "--root", "/host", "--log-format", "json", "-o", "json", "--timeout", "2m"}},
		&container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro", "/:/host:ro"}, ReadonlyRootfs: true,
			CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges"}, NetworkMode: "none"}, true)
	wait := docker.ContainerWait(ctx, name, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var code int64
	select {
	case r := <-wait.Result:
		code = r.StatusCode
	case err := <-wait.Error:
		t.Fatalf("wait for %s: %v", name, err)
	}
	logs, err := docker.ContainerLogs(ctx, name, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatal(err)
	}
	logs.Close()
	if code != 0 {
		t.Fatalf("scan in the image exited %d; stderr:\n%s", code, stderr.String())
	}
	r := decodeLive(t, stdout.Bytes())
	found := false
	for _, f := range r.Findings.All() {
		if strings.HasSuffix(f.AssetID, "/"+name) && f.CheckID == "CE-SOCK-001" {
			found = f.Status == audit.StatusFail
		}
	}
	if !found {
		t.Errorf("the scan did not report its own container %s failing CE-SOCK-001 (%d assets)", name, len(r.Assets))
	}
	// With the node's root mounted at /host (as the DaemonSet does), the
	// host asset is the machine, not the container.
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, a := range r.Assets {
		if a.Kind == audit.KindHost && a.Platform == audit.PlatformLinux {
			hosts = append(hosts, a.Host)
		}
	}
	if len(hosts) != 1 || hosts[0] != hostname {
		t.Errorf("host assets %v, want the machine %s", hosts, hostname)
	}
}

// buildIsoaudit builds a static isoaudit binary for the test.
func buildIsoaudit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "isoaudit")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../../cmd/isoaudit")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
