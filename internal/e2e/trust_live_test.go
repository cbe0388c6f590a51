package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/scan"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// prefixed keeps the assets whose name starts with prefix: the daemon is
// shared with other tests.
type prefixed struct {
	collect.Collector
	prefix string
}

func (p prefixed) Collect(ctx context.Context) (*collect.Batch, error) {
	b, err := p.Collector.Collect(ctx)
	if b != nil {
		b.Assets = slices.DeleteFunc(b.Assets, func(a audit.Asset) bool { return !strings.HasPrefix(a.Name, p.prefix) })
		b.Errors = nil
	}
	return b, err
}

// trustPair is a container built to violate one trust check and its
// compliant twin.
type trustPair struct {
	check             string
	violating, twin   string // container names
	evPath, evContain string // an evidence entry of the failed finding
}

// TestLiveTrustChecks builds, on the real daemon, one container per trust
// check that violates it and a compliant twin that differs only in that
// respect, audits them with a trust policy, and requires each check to
// fail on the first and not on the second.
func TestLiveTrustChecks(t *testing.T) {
	livetest.Docker(t)
	trust := policy.Trust{
		AllowedRegistries: []string{"registry.example.com", "docker.io"},
		RequireDigest:     true,
		MaxImageAge:       "365d",
		NonRootImages:     []string{"*"},
	}
	if err := trust.Compile(); err != nil {
		t.Fatal(err)
	}
	repo := livetest.UniqueRepo(t, "isoaudit-test/trust")
	nonRoot := livetest.ImageSpec{User: "1000"}
	// One compliant image under several names: an allowed registry, a
	// versioned tag.
	goodID := livetest.LoadImage(t, nonRoot, "registry.example.com/"+repo+":1.0", "untrusted.example.org/"+repo+":1.0",
		repo+":latest", repo+"-stable:1.0")
	oldRef, newRef := repo+"-old:1.0", repo+"-new:1.0"
	livetest.LoadImage(t, livetest.ImageSpec{User: "1000", Created: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, oldRef)
	livetest.LoadImage(t, nonRoot, newRef)
	rootRef := repo + "-root:1.0"
	livetest.LoadImage(t, livetest.ImageSpec{User: ""}, rootRef)
	envRef, envTwinRef := repo+"-env:1.0", repo+"-env-twin:1.0"
	livetest.LoadImage(t, livetest.ImageSpec{User: "1000", Env: []string{"DB_PASSWORD=fixture-not-a-secret"}}, envRef)
	livetest.LoadImage(t, livetest.ImageSpec{User: "1000", Env: []string{"DB_HOST=db"}}, envTwinRef)
	driftRef := repo + "-drift:1.0"
	livetest.LoadImage(t, nonRoot, driftRef)

	ctr := func(name, image string) string {
		return livetest.Container(t, "trust-"+name, &container.Config{Image: image}, nil, true)
	}
	drifted := ctr("drift", driftRef)
	livetest.LoadImage(t, livetest.ImageSpec{User: "1000", Labels: map[string]string{"rebuilt": "yes"}}, driftRef) // the tag moves on
	pairs := []trustPair{
		{"CE-IMG-003", ctr("untrusted", "untrusted.example.org/"+repo+":1.0"), ctr("trusted", "registry.example.com/"+repo+":1.0"),
			"policy trust", "registry not in allowed_registries"},
		{"CE-IMG-004", ctr("latest", repo+":latest"), ctr("versioned", repo+"-stable:1.0"), "Config.Image", repo + ":latest"},
		{"CE-IMG-005", ctr("by-tag", "registry.example.com/"+repo+":1.0"), ctr("by-id", goodID), "Config.Image", "registry.example.com/" + repo + ":1.0"},
		{"CE-IMG-006", ctr("old", oldRef), ctr("new", newRef), "/images/{id}/json Created", "2020-01-01"},
		{"CE-IMG-007", ctr("root", rootRef), ctr("nonroot", newRef), "Image Config.User", ""},
		{"CE-IMG-008", ctr("env-secret", envRef), ctr("env-plain", envTwinRef), "Image Config.Env (names)", "DB_PASSWORD"},
		{"CE-IMG-009", drifted, ctr("pinned", repo+"-stable:1.0"), "/images/{ref}/json Id", driftRef + " -> sha256:"},
	}

	cat, err := checks.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat, engine.WithKinds(audit.KindContainer))
	if err != nil {
		t.Fatal(err)
	}
	col, err := docker.New(docker.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := scan.Run(ctx, scan.Config{Collectors: []collect.Collector{prefixed{col, livetest.NamePrefix + "trust-"}},
		Engine: eng, Weights: score.DefaultWeights(), Gate: policy.NoGate(), Trust: &trust})
	if err != nil {
		t.Fatal(err)
	}
	byAsset := map[string]map[string]audit.Finding{}
	for _, a := range rep.Assets {
		byAsset[a.Name] = map[string]audit.Finding{}
		for _, f := range rep.Findings.All() {
			if f.AssetID == a.ID {
				byAsset[a.Name][f.CheckID] = f
			}
		}
	}
	for _, p := range pairs {
		t.Run(p.check, func(t *testing.T) {
			bad, good := byAsset[p.violating][p.check], byAsset[p.twin][p.check]
			if bad.Status != audit.StatusFail {
				t.Fatalf("%s on %s = %s (%s), want fail", p.check, p.violating, bad.Status, bad.Message)
			}
			if good.Status != audit.StatusPass {
				t.Errorf("%s on the compliant twin %s = %s (%s), want pass", p.check, p.twin, good.Status, good.Message)
			}
			found := false
			for _, e := range bad.Evidence {
				if e.Path == p.evPath && strings.Contains(toString(e.Actual), p.evContain) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s evidence %+v lacks %s containing %q", p.check, bad.Evidence, p.evPath, p.evContain)
			}
		})
	}
}

// toString renders an evidence value for a substring match.
func toString(v any) string { return fmt.Sprint(v) }
