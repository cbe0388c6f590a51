package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestTrustApply(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	trust := Trust{
		AllowedRegistries:   []string{"registry.example.com", "*.corp.example"},
		DeniedRepositories:  []string{"registry.example.com/legacy/*"},
		AllowedRepositories: []string{"registry.example.com/*", "*.corp.example/*"},
		RequireDigest:       true,
		MaxImageAge:         "30d",
		NonRootImages:       []string{"registry.example.com/app*"},
	}
	if err := trust.Compile(); err != nil {
		t.Fatal(err)
	}
	img := func(registry, repo, created string) audit.Image {
		return audit.Image{Registry: registry, Repo: repo, Created: created}
	}
	tests := []struct {
		name    string
		img     audit.Image
		allowed bool
		rule    string
		age     int64
		noRoot  bool
	}{
		{"allowed registry", img("registry.example.com", "app", "2026-11-20T00:00:00Z"), true, "", 6, true},
		{"wildcard registry", img("eu.corp.example", "team/svc", "2026-01-01T10:00:00.5Z"), true, "", 328, false},
		{"denied repository wins", img("registry.example.com", "legacy/db", ""), false, "denied_repositories: registry.example.com/legacy/*", -1, false},
		{"registry not allowed", img("docker.io", "library/nginx", "not a time"), false, "registry not in allowed_registries", -1, false},
		{"image known by id only", img("", "", ""), false, "registry not in allowed_registries", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trust.Apply(tt.img, now)
			if !got.Evaluated || got.Allowed != tt.allowed || got.Rule != tt.rule || got.AgeDays != tt.age ||
				got.RootForbidden != tt.noRoot || !got.RequireDigest || got.MaxAgeDays != 30 {
				t.Errorf("Apply = %+v, want allowed=%v rule=%q age=%d root_forbidden=%v", got, tt.allowed, tt.rule, tt.age, tt.noRoot)
			}
		})
	}
}

func TestTrustEmptyAllowsEverything(t *testing.T) {
	var trust Trust
	got := trust.Apply(audit.Image{Registry: "docker.io", Repo: "library/busybox"}, time.Now())
	if !got.Allowed || got.MaxAgeDays != 0 || got.RootForbidden || got.RequireDigest {
		t.Errorf("empty trust = %+v", got)
	}
}

func TestParseProfileTrust(t *testing.T) {
	p, err := BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	if p.Trust.MaxAge() != 365*24*time.Hour {
		t.Errorf("default max_image_age = %v", p.Trust.MaxAge())
	}
	const weights = "weights: {critical: 0.9, high: 0.5, medium: 0.2, low: 0.05, info: 0}\n"
	for name, doc := range map[string]string{
		"bad age":       "trust: {max_image_age: 3 months}\n",
		"negative age":  "trust: {max_image_age: -5d}\n",
		"unknown key":   "trust: {allowed_registry: [docker.io]}\n",
		"empty pattern": "trust: {denied_registries: [\"\"]}\n",
	} {
		if _, err := ParseProfile([]byte("name: x\n"+weights+doc), "p.yaml"); err == nil || !strings.Contains(err.Error(), "p.yaml") {
			t.Errorf("%s: error = %v, want one naming the file", name, err)
		}
	}
	p, err = ParseProfile([]byte("name: x\n"+weights+"trust: {max_image_age: 52w, require_digest: true}\n"), "p.yaml")
	if err != nil || p.Trust.MaxAge() != 52*7*24*time.Hour || !p.Trust.RequireDigest {
		t.Errorf("52w: %v %+v", err, p)
	}
}

func TestBuiltinStrictTrust(t *testing.T) {
	p, err := BuiltinProfile("strict")
	if err != nil {
		t.Fatal(err)
	}
	got := p.Trust.Apply(audit.Image{Registry: "docker.io", Repo: "library/nginx"}, time.Now())
	if !got.RequireDigest || got.MaxAgeDays != 180 || !got.RootForbidden || !got.Allowed {
		t.Errorf("strict trust = %+v", got)
	}
}
