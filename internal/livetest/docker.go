package livetest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// EnvLive names the environment variable that, set to "require", turns a
// missing daemon into a test failure instead of a skip.
const EnvLive = "ISOAUDIT_LIVE"

// pingTimeout bounds the reachability check.
const pingTimeout = 5 * time.Second

// Docker returns a client for the daemon at DOCKER_HOST (or the default
// socket), closed when the test ends. If the daemon does not answer, the
// test is skipped — or failed when ISOAUDIT_LIVE=require.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		unavailable(t, client.DefaultDockerHost, err)
		return nil
	}
	t.Cleanup(func() { _ = cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		unavailable(t, cli.DaemonHost(), err)
	}
	return cli
}

// unavailable skips or fails the test for an unreachable daemon.
func unavailable(t testing.TB, host string, err error) {
	t.Helper()
	if os.Getenv(EnvLive) == "require" {
		t.Fatalf("dockerd not reachable at %s: %v (%s=require)", host, err, EnvLive)
	}
	t.Skipf("dockerd not reachable at %s: %v; run scripts/live-env.sh", host, err)
}

// PodmanHost is where scripts/live-env.sh serves Podman's Docker-compatible
// API, and PodmanImage the test image it imports into Podman's storage.
const (
	PodmanHost  = "unix:///run/podman/podman.sock"
	PodmanImage = "localhost/isoaudit-test/busybox:1"
)

// Podman returns a Docker API client for Podman's compatible socket,
// closed when the test ends; skipped (or failed under
// ISOAUDIT_LIVE=require) when Podman does not answer or lacks the image.
func Podman(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.New(client.WithHost(PodmanHost))
	if err != nil {
		unavailable(t, PodmanHost, err)
		return nil
	}
	t.Cleanup(func() { _ = cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		unavailable(t, PodmanHost, err)
	}
	if _, err := cli.ImageInspect(ctx, PodmanImage); err != nil {
		unavailable(t, PodmanHost, err)
	}
	return cli
}
