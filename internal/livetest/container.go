package livetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Test containers carry NamePrefix in their name and the label Label=1, so
// tests can tell their own containers from anything else on the daemon.
const (
	NamePrefix = "isoaudit-test-"
	Label      = "isoaudit.test"
)

// cleanupTimeout bounds the removal of a test container.
const cleanupTimeout = 30 * time.Second

// Container creates a container named NamePrefix+name+"-<random>" and
// labelled Label=1 from cfg (nil means defaults; an empty Image means
// BusyboxImage), starts it when start is true, and removes it (forced,
// with its anonymous volumes) when the test ends. It returns the
// container's unique name, usable wherever the API takes an id.
func Container(t testing.TB, name string, cfg *container.Config, hostCfg *container.HostConfig, start bool) string {
	t.Helper()
	cli := Docker(t)
	config := container.Config{}
	if cfg != nil {
		config = *cfg
	}
	if config.Image == "" {
		config.Image = busyboxImage(t, cli)
	}
	config.Labels = maps.Clone(config.Labels)
	if config.Labels == nil {
		config.Labels = map[string]string{}
	}
	config.Labels[Label] = "1"
	full := NamePrefix + name + "-" + randomSuffix(t)

	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if _, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: full, Config: &config, HostConfig: hostCfg}); err != nil {
		t.Fatalf("create container %s: %v", full, err)
	}
	t.Cleanup(func() { remove(t, cli, full) })
	if start {
		if _, err := cli.ContainerStart(ctx, full, client.ContainerStartOptions{}); err != nil {
			t.Fatalf("start container %s: %v", full, err)
		}
	}
	return full
}

// remove force-removes a test container and its anonymous volumes.
func remove(t testing.TB, cli *client.Client, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	_, err := cli.ContainerRemove(ctx, name, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) {
		t.Errorf("remove container %s: %v", name, err)
	}
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random name: %v", err)
	}
	return hex.EncodeToString(b)
}
