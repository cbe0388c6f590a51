package livetest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// ImageSpec describes an image LoadImage builds without any registry: the
// busybox test layer plus Files, with the configuration fields a trust or
// scan test needs to control.
type ImageSpec struct {
	// Files are extra regular files of the image, by path without the
	// leading "/" ("etc/os-release"); parent directories are added.
	Files map[string]string
	// Created is the image's build time (zero: now).
	Created time.Time
	User    string
	Env     []string
	Labels  map[string]string
	// History adds empty-layer history entries after the layer's, as a
	// builder records them ("/bin/sh -c #(nop)  EXPOSE 22/tcp").
	History []string
}

// LoadImage `docker load`s an image built in memory from spec under the
// tags refs (the first tag names it in messages) and returns its id
// ("sha256:…"). The tags are removed when the test ends (those a later
// load moved are that load's), and so is an image left without tags.
// Nothing is pulled.
func LoadImage(t testing.TB, spec ImageSpec, refs ...string) string {
	t.Helper()
	cli := Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	archive, id, err := imageArchive(spec, refs)
	if err != nil {
		t.Fatalf("build image %v: %v", refs, err)
	}
	res, err := cli.ImageLoad(ctx, bytes.NewReader(archive), client.ImageLoadWithQuiet(true))
	if err != nil {
		t.Fatalf("load image %v: %v", refs, err)
	}
	defer res.Close()
	if err := streamError(res); err != nil {
		t.Fatalf("load image %v: %v", refs, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		for _, ref := range refs {
			if img, err := cli.ImageInspect(ctx, ref); err != nil || img.ID != id {
				continue // moved to another image, or gone
			}
			_, _ = cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
		// An image whose tags all moved on is left untagged: remove it by
		// id (containers registered after the load are removed by now).
		if img, err := cli.ImageInspect(ctx, id); err == nil && len(img.RepoTags) == 0 {
			_, _ = cli.ImageRemove(ctx, id, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	})
	return id
}

// imageArchive writes the `docker save` layout of spec: one layer, its
// config and manifest.json. It returns the archive and the image id.
func imageArchive(spec ImageSpec, refs []string) ([]byte, string, error) {
	layer, err := specLayer(spec)
	if err != nil {
		return nil, "", err
	}
	diffID := sha256.Sum256(layer)
	created := spec.Created
	if created.IsZero() {
		created = time.Now().UTC()
	}
	cfg := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      created.Format(time.RFC3339Nano),
		"config": map[string]any{
			"User": spec.User, "Env": spec.Env, "Labels": spec.Labels,
			"Cmd": []string{"/bin/sleep", "3600"},
		},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
		"history": history(spec, created),
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, "", err
	}
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:])
	layerName := hex.EncodeToString(diffID[:]) + "/layer.tar"
	manifest, err := json.Marshal([]map[string]any{{"Config": configName + ".json", "RepoTags": refs, "Layers": []string{layerName}}})
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{configName + ".json", config}, {layerName, layer}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			return nil, "", err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "sha256:" + configName, nil
}

// history is the image's build history: the layer, then spec.History.
func history(spec ImageSpec, created time.Time) []map[string]any {
	at := created.Format(time.RFC3339Nano)
	out := []map[string]any{{"created": at, "created_by": "isoaudit test layer"}}
	for _, h := range spec.History {
		out = append(out, map[string]any{"created": at, "created_by": h, "empty_layer": true})
	}
	return out
}

// specLayer is the busybox layer with spec.Files appended.
func specLayer(spec ImageSpec) ([]byte, error) {
	base, err := busyboxLayer()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tr := tar.NewReader(bytes.NewReader(base))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, err
		}
	}
	dirs := map[string]bool{"bin/": true, "tmp/": true}
	for _, name := range slices.Sorted(maps.Keys(spec.Files)) {
		for i := range name {
			if name[i] == '/' && !dirs[name[:i+1]] {
				dirs[name[:i+1]] = true
				if err := tw.WriteHeader(&tar.Header{Name: name[:i+1], Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
					return nil, err
				}
			}
		}
		data := spec.Files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UniqueRepo returns base with a random suffix, so image names of
// concurrent test runs on a shared daemon do not collide.
func UniqueRepo(t testing.TB, base string) string {
	t.Helper()
	return base + "-" + randomSuffix(t)
}
