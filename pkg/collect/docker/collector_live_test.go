package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
)

// liveCollector returns a collector for the test daemon (skipping the test
// when it is absent), with opts changed by mutate.
func liveCollector(t testing.TB, mutate func(*Options)) *Collector {
	t.Helper()
	livetest.Docker(t)
	opts := DefaultOptions()
	if mutate != nil {
		mutate(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// collectOK runs one collection that must succeed.
func collectOK(t testing.TB, c *Collector) *collect.Batch {
	t.Helper()
	batch, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return batch
}

// assetNamed returns the asset of the named container, nil if absent.
func assetNamed(b *collect.Batch, name string) *audit.Asset {
	for i := range b.Assets {
		if b.Assets[i].Name == name {
			return &b.Assets[i]
		}
	}
	return nil
}

func TestCollectLiveSeesItsContainers(t *testing.T) {
	t.Parallel()
	c := liveCollector(t, nil)
	plain := livetest.Container(t, "collect-plain", nil, nil, true)
	sock := livetest.Container(t, "collect-sock", nil, &container.HostConfig{
		Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro"}, CapAdd: []string{"SYS_ADMIN"},
	}, true)

	batch := collectOK(t, c)
	a := assetNamed(batch, plain)
	if a == nil {
		t.Fatalf("no asset for %s among %d", plain, len(batch.Assets))
	}
	host := a.Host
	wantID := "docker://" + host.Hostname + "/" + plain
	if a.ID != wantID || a.Kind != audit.KindContainer || a.Platform != "docker" || a.Source != c.Endpoint() {
		t.Errorf("asset header = %+v, want id %s", a, wantID)
	}
	if a.Labels[livetest.Label] != "1" || a.Container.State != "running" || a.Container.Image.Ref != livetest.BusyboxRef {
		t.Errorf("labels %v state %q image %q", a.Labels, a.Container.State, a.Container.Image.Ref)
	}
	if a.Container.Image.Created == "" {
		t.Error("image created time missing: image inspect not used")
	}
	s := assetNamed(batch, sock)
	if s == nil {
		t.Fatalf("no asset for %s", sock)
	}
	wantMount := audit.Mount{Type: "bind", Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", Propagation: "rprivate"}
	if !slices.Contains(s.Container.Mounts, wantMount) || !slices.Contains(s.Container.Capabilities.Effective, "SYS_ADMIN") {
		t.Errorf("mounts %+v caps %v", s.Container.Mounts, s.Container.Capabilities.Effective)
	}
	if !slices.IsSortedFunc(batch.Assets, func(x, y audit.Asset) int { return strings.Compare(x.ID, y.ID) }) {
		t.Error("assets are not sorted by id")
	}
}

func TestCollectLiveAll(t *testing.T) {
	t.Parallel()
	created := livetest.Container(t, "collect-created", nil, &container.HostConfig{Privileged: true}, false)

	if a := assetNamed(collectOK(t, liveCollector(t, nil)), created); a != nil {
		t.Errorf("running-only scan saw created container %s", created)
	}
	a := assetNamed(collectOK(t, liveCollector(t, func(o *Options) { o.All = true })), created)
	if a == nil {
		t.Fatalf("All scan missed created container %s", created)
	}
	if a.Container.State != "created" || !a.Container.Privileged || a.Container.Security.AppArmor != "unconfined" {
		t.Errorf("state %q privileged %v apparmor %q", a.Container.State, a.Container.Privileged, a.Container.Security.AppArmor)
	}
}

func TestCollectLiveHostFacts(t *testing.T) {
	t.Parallel()
	c := liveCollector(t, nil)
	name := livetest.Container(t, "collect-host", nil, nil, true)
	a := assetNamed(collectOK(t, c), name)
	if a == nil {
		t.Fatalf("no asset for %s", name)
	}
	h := a.Host
	for field, v := range map[string]string{
		"hostname": h.Hostname, "kernel": h.Kernel, "os": h.OS, "arch": h.Arch, "cgroup_version": h.CgroupVersion,
		"cgroup_driver": h.CgroupDriver, "engine.name": h.Engine.Name, "engine.version": h.Engine.Version,
		"engine.api_version": h.Engine.APIVersion, "engine.containerd_version": h.Engine.ContainerdVersion,
		"engine.runc_version": h.Engine.RuncVersion, "engine.default_runtime": h.Engine.DefaultRuntime,
	} {
		if v == "" {
			t.Errorf("host.%s is empty", field)
		}
	}
	if !h.Known || len(h.Engine.Runtimes) == 0 || len(h.Engine.SecurityOptions) == 0 {
		t.Errorf("host = %+v", h)
	}
}

// TestCollectLiveNeverLeaksEnv: a secret env value and a secret-looking
// label appear nowhere in the assets, notes, errors or debug logs.
func TestCollectLiveNeverLeaksEnv(t *testing.T) {
	t.Parallel()
	secret := "hunter2-" + randomHex(t)
	var logs syncBuffer
	c := liveCollector(t, func(o *Options) {
		o.Logger = zerolog.New(&logs).Level(zerolog.TraceLevel)
	})
	name := livetest.Container(t, "collect-secret", &container.Config{
		Env:    []string{"ISOAUDIT_SECRET=" + secret, "PLAIN=1"},
		Labels: map[string]string{"app.db-password": secret},
	}, nil, true)

	batch := collectOK(t, c)
	a := assetNamed(batch, name)
	if a == nil {
		t.Fatalf("no asset for %s", name)
	}
	if !slices.Equal(a.Container.EnvNames, []string{"ISOAUDIT_SECRET", "PLAIN"}) || a.Labels["app.db-password"] != RedactedValue {
		t.Errorf("env names %v labels %v", a.Container.EnvNames, a.Labels)
	}
	for _, a := range batch.Assets {
		doc, err := json.Marshal(struct {
			audit.Asset
			Container *audit.Container
			Host      *audit.Host
		}{a, a.Container, a.Host})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(doc, []byte(secret)) {
			t.Fatalf("asset %s leaks the secret: %s", a.ID, doc)
		}
	}
	rest, _ := json.Marshal(struct{ Notes, Errors any }{batch.Notes, batch.Errors})
	if bytes.Contains(rest, []byte(secret)) || strings.Contains(logs.String(), secret) {
		t.Fatal("notes, errors or logs leak the secret")
	}
}

// hookedAPI wraps the real client to change what the collector sees
// between list and inspect.
type hookedAPI struct {
	engineAPI
	afterList func()
	inspect   func(id string) error // a non-nil error replaces the inspect
}

func (h *hookedAPI) ContainerList(ctx context.Context, o client.ContainerListOptions) (client.ContainerListResult, error) {
	res, err := h.engineAPI.ContainerList(ctx, o)
	if err == nil && h.afterList != nil {
		h.afterList()
	}
	return res, err
}

func (h *hookedAPI) ContainerInspect(ctx context.Context, id string, o client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	if h.inspect != nil {
		if err := h.inspect(id); err != nil {
			return client.ContainerInspectResult{}, err
		}
	}
	return h.engineAPI.ContainerInspect(ctx, id, o)
}

// TestCollectLiveRemovedBeforeInspect removes a container after the real
// list and before its inspect: it becomes a note, not an error.
func TestCollectLiveRemovedBeforeInspect(t *testing.T) {
	t.Parallel()
	cli := livetest.Docker(t)
	c := liveCollector(t, nil)
	victim := livetest.Container(t, "collect-victim", nil, nil, true)
	survivor := livetest.Container(t, "collect-survivor", nil, nil, true)
	c.api = &hookedAPI{engineAPI: c.api, afterList: func() {
		_, err := cli.ContainerRemove(context.Background(), victim, client.ContainerRemoveOptions{Force: true})
		if err != nil {
			t.Errorf("remove %s: %v", victim, err)
		}
	}}

	batch := collectOK(t, c)
	if assetNamed(batch, victim) != nil || assetNamed(batch, survivor) == nil {
		t.Fatalf("victim present or survivor missing: %d assets", len(batch.Assets))
	}
	if !slices.ContainsFunc(batch.Notes, func(n string) bool { return strings.Contains(n, victim) && strings.Contains(n, "removed") }) {
		t.Errorf("no note for %s in %q", victim, batch.Notes)
	}
	for _, e := range batch.Errors {
		if strings.Contains(e.Message, victim) {
			t.Errorf("removed container reported as error: %+v", e)
		}
	}
}

// TestCollectLiveInspectFailure: one failed inspect is an error entry
// naming the asset; the other containers still come back.
func TestCollectLiveInspectFailure(t *testing.T) {
	t.Parallel()
	c := liveCollector(t, nil)
	broken := livetest.Container(t, "collect-broken", nil, nil, true)
	fine := livetest.Container(t, "collect-fine", nil, nil, true)
	brokenID := containerID(t, broken)
	c.api = &hookedAPI{engineAPI: c.api, inspect: func(id string) error {
		if id == brokenID {
			return errors.New("injected failure")
		}
		return nil
	}}

	batch := collectOK(t, c)
	if assetNamed(batch, broken) != nil || assetNamed(batch, fine) == nil {
		t.Fatal("broken present or fine missing")
	}
	i := slices.IndexFunc(batch.Errors, func(e audit.ScanError) bool { return strings.HasSuffix(e.AssetID, "/"+broken) })
	if i < 0 {
		t.Fatalf("no error for %s in %+v", broken, batch.Errors)
	}
	e := batch.Errors[i]
	if e.Source != c.Endpoint() || e.Message != "inspect container "+broken+": injected failure" {
		t.Errorf("error = %+v", e)
	}
}

func TestCollectDaemonUnreachable(t *testing.T) {
	opts := DefaultOptions()
	opts.Host = "unix:///nonexistent/isoaudit.sock"
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Collect(context.Background())
	if err == nil || batch != nil {
		t.Fatalf("Collect = %v, %v; want an error", batch, err)
	}
	if want := "list containers at unix:///nonexistent/isoaudit.sock: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q lacks prefix %q", err, want)
	}
}

func containerID(t *testing.T, name string) string {
	t.Helper()
	res, err := livetest.Docker(t).ContainerInspect(context.Background(), name, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Container.ID
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer safe for the collector's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
