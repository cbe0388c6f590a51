package livetest

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// BusyboxRef is the local test image: Debian's static busybox with sh,
// sleep, id and cat, running `sleep 3600` by default. It is built without
// any registry.
const BusyboxRef = "isoaudit-test/busybox:1"

// busyboxPaths are where Debian's busybox-static puts the binary.
var busyboxPaths = []string{"/bin/busybox", "/usr/bin/busybox"}

// busyboxApplets become symlinks to busybox in the image's /bin.
var busyboxApplets = []string{"sh", "sleep", "id", "cat"}

// busybox guards the one image build per test process.
var busybox struct {
	once sync.Once
	err  error
}

// BusyboxImage ensures BusyboxRef exists on the test daemon and returns
// it. An existing image is reused; otherwise a tar of /bin/busybox is
// built in memory and `docker import`ed. Safe for parallel tests.
func BusyboxImage(t testing.TB) string {
	t.Helper()
	return busyboxImage(t, Docker(t))
}

func busyboxImage(t testing.TB, cli *client.Client) string {
	t.Helper()
	busybox.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		busybox.err = ensureBusybox(ctx, cli, BusyboxRef)
	})
	if busybox.err != nil {
		t.Fatalf("prepare test image %s: %v", BusyboxRef, busybox.err)
	}
	return BusyboxRef
}

// ImportBusybox imports the busybox test image as ref into the daemon cli
// talks to, unless it already has ref. Use it for daemons other than the
// one Docker returns (a throwaway TLS daemon); BusyboxImage is the
// once-per-process shortcut for the main test daemon.
func ImportBusybox(ctx context.Context, cli *client.Client, ref string) error {
	return ensureBusybox(ctx, cli, ref)
}

// ensureBusybox imports the busybox image as ref unless the daemon
// already has ref.
func ensureBusybox(ctx context.Context, cli *client.Client, ref string) error {
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect image: %w", err)
	}
	layer, err := busyboxLayer()
	if err != nil {
		return err
	}
	return importImage(ctx, cli, layer, ref)
}

// importImage runs `docker import` of layer as ref.
func importImage(ctx context.Context, cli *client.Client, layer []byte, ref string) error {
	rc, err := cli.ImageImport(ctx, client.ImageImportSource{Source: bytes.NewReader(layer), SourceName: "-"},
		ref, client.ImageImportOptions{Changes: []string{`CMD ["/bin/sleep","3600"]`}})
	if err != nil {
		return fmt.Errorf("import image: %w", err)
	}
	defer rc.Close()
	return streamError(rc)
}

// streamError reads a daemon JSON message stream and returns the first
// error message in it.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read import progress: %w", err)
		}
		if msg.Error != "" {
			return fmt.Errorf("import image: %s", msg.Error)
		}
	}
}

// busyboxLayer builds the image's only layer: /bin/busybox and applet
// symlinks.
func busyboxLayer() ([]byte, error) {
	path, bin, err := readStaticBusybox()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777},
		{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))},
	}
	for _, applet := range busyboxApplets {
		entries = append(entries, tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
	}
	for _, h := range entries {
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("write layer: %w", err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(bin); err != nil {
				return nil, fmt.Errorf("write layer from %s: %w", path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write layer: %w", err)
	}
	return buf.Bytes(), nil
}

// readStaticBusybox reads the first busybox binary found and checks that
// it is statically linked (a dynamic one cannot run in an empty image).
func readStaticBusybox() (string, []byte, error) {
	for _, path := range busyboxPaths {
		bin, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return path, nil, fmt.Errorf("read busybox: %w", err)
		}
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			return path, nil, fmt.Errorf("read busybox %s: %w", path, err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				return path, nil, fmt.Errorf("%s is dynamically linked; install busybox-static (scripts/live-env.sh)", path)
			}
		}
		return path, bin, nil
	}
	return "", nil, fmt.Errorf("no busybox binary at %v; install busybox-static (scripts/live-env.sh)", busyboxPaths)
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
