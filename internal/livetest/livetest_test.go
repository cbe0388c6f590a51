package livetest

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

func TestBusyboxLayer(t *testing.T) {
	layer, err := busyboxLayer()
	if err != nil {
		t.Skipf("no static busybox here: %v", err)
	}
	tr := tar.NewReader(bytes.NewReader(layer))
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h.Linkname
	}
	for _, name := range []string{"bin/busybox", "bin/sh", "bin/sleep", "bin/id", "bin/cat"} {
		if _, ok := got[name]; !ok {
			t.Errorf("layer lacks %s (has %v)", name, got)
		}
	}
	if got["bin/sh"] != "busybox" {
		t.Errorf("bin/sh links to %q", got["bin/sh"])
	}
}

// TestImportBusybox builds and imports the image under a throwaway ref, so
// the import path runs even when BusyboxRef already exists.
func TestImportBusybox(t *testing.T) {
	cli := Docker(t)
	ref := "isoaudit-test/busybox-import:" + randomSuffix(t)
	ctx := context.Background()
	if err := ensureBusybox(ctx, cli, ref); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if cmd := strings.Join(img.Config.Cmd, " "); cmd != "/bin/sleep 3600" {
		t.Errorf("image CMD = %q", cmd)
	}
	if err := ensureBusybox(ctx, cli, ref); err != nil {
		t.Errorf("second ensure: %v", err)
	}
}

func TestContainer(t *testing.T) {
	t.Parallel()
	cli := Docker(t)
	name := Container(t, "livetest", &container.Config{Labels: map[string]string{"x": "y"}}, nil, true)
	if !strings.HasPrefix(name, NamePrefix+"livetest-") {
		t.Errorf("name %q lacks the prefix", name)
	}
	res, err := cli.ContainerInspect(context.Background(), name, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Container
	if c.Config.Labels[Label] != "1" || c.Config.Labels["x"] != "y" || c.Config.Image != BusyboxRef {
		t.Errorf("labels %v image %q", c.Config.Labels, c.Config.Image)
	}
	if !c.State.Running {
		t.Errorf("state %q, want running", c.State.Status)
	}
}

func TestContainerCreatedOnly(t *testing.T) {
	t.Parallel()
	cli := Docker(t)
	name := Container(t, "created", nil, &container.HostConfig{Privileged: true}, false)
	res, err := cli.ContainerInspect(context.Background(), name, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Container.State.Status != "created" || !res.Container.HostConfig.Privileged {
		t.Errorf("state %q privileged %v", res.Container.State.Status, res.Container.HostConfig.Privileged)
	}
}

func TestLibvirt(t *testing.T) {
	l := Libvirt(t)
	v, err := l.ConnectGetLibVersion()
	if err != nil || v == 0 {
		t.Fatalf("libvirt version %d, %v", v, err)
	}
}
