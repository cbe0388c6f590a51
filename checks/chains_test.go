package checks

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/engine"
)

// evidenceKey is how the engine tells two evidence entries apart.
func evidenceKey(ev audit.Evidence) string {
	return ev.Path + "\x00" + fmt.Sprint(ev.Actual)
}

// TestChainEvidenceInheritsPreconditions: on every fail fixture of every
// chain, the finding lists exactly the required checks that failed in
// chain[], carries at least one evidence entry of each of them (the engine
// appends their evidence after the chain's own) and reports no (path,
// actual) pair twice.
func TestChainEvidenceInheritsPreconditions(t *testing.T) {
	cat, eng, base := builtinEngine(t)
	for _, c := range cat.Checks {
		if !c.IsChain() {
			continue
		}
		for i, fx := range c.Fixtures.Fail {
			a, err := fixtureAssetFor(c, base, fx)
			if err != nil {
				t.Fatalf("%s fail #%d: %v", c.ID, i+1, err)
			}
			byID := map[string]audit.Finding{}
			for _, f := range eng.EvaluateAsset(a) {
				byID[f.CheckID] = f
			}
			chain := byID[c.ID]
			if chain.Status != audit.StatusFail {
				t.Errorf("%s fail #%d: status %s, want fail", c.ID, i+1, chain.Status)
				continue
			}
			have := map[string]int{}
			for _, ev := range chain.Evidence {
				have[evidenceKey(ev)]++
			}
			for k, n := range have {
				if n > 1 {
					t.Errorf("%s fail #%d: evidence %q reported %d times", c.ID, i+1, strings.Replace(k, "\x00", " = ", 1), n)
				}
			}
			var failedReqs []string
			for _, r := range c.Requires {
				pre := byID[r]
				if pre.Status != audit.StatusFail {
					continue
				}
				failedReqs = append(failedReqs, r)
				found := false
				for _, ev := range pre.Evidence {
					found = found || have[evidenceKey(ev)] > 0
				}
				if !found {
					t.Errorf("%s fail #%d: no evidence of failed precondition %s (%+v) in %+v", c.ID, i+1, r, pre.Evidence, chain.Evidence)
				}
			}
			if strings.Join(chain.Chain, ",") != strings.Join(failedReqs, ",") {
				t.Errorf("%s fail #%d: chain = %v, want the failed requires %v", c.ID, i+1, chain.Chain, failedReqs)
			}
		}
	}
}

// TestChainPassesWhenNoPreconditionFailed: a chain is evaluated only when
// one of its requires failed. On documents where every fact a chain reads
// directly is on the risky side (cgroup v1, no AppArmor on the host, old
// containerd, Docker's default capabilities with MKNOD and DAC_OVERRIDE,
// no host facts at all) but none of its preconditions failed, every chain
// passes: never fail, and never unknown for missing host facts.
func TestChainPassesWhenNoPreconditionFailed(t *testing.T) {
	cat, eng, base := builtinEngine(t)
	defaultCaps := map[string]any{"added": []any{}, "dropped": []any{}, "effective": []any{
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}}
	cases := map[string]map[string]any{
		"cgroup v1 host without AppArmor": {
			"container": map[string]any{"capabilities": defaultCaps, "security": map[string]any{"apparmor": ""}},
			"host": map[string]any{"cgroup_version": "1", "lsms": []any{"seccomp"}, "kernel": "4.19.0",
				"engine": map[string]any{"containerd_version": "1.4.0"}},
		},
		"no host facts": {
			"container": map[string]any{"capabilities": defaultCaps},
			"host":      map[string]any{"known": false, "cgroup_version": "", "lsms": []any{}},
		},
		// CE-LSM-002 is unknown here, which is not a failure either.
		"no host facts, no AppArmor profile": {
			"container": map[string]any{"capabilities": defaultCaps, "security": map[string]any{"apparmor": ""}},
			"host":      map[string]any{"known": false, "cgroup_version": "", "lsms": []any{}},
		},
	}
	for name, fx := range cases {
		t.Run(name, func(t *testing.T) {
			a, err := engine.FixtureAsset(audit.KindContainer, base, fx)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]audit.Finding{}
			for _, f := range eng.EvaluateAsset(a) {
				byID[f.CheckID] = f
			}
			chains := 0
			for _, c := range cat.Checks {
				if !c.IsChain() || c.Kind != audit.KindContainer {
					continue
				}
				chains++
				for _, r := range c.Requires {
					if byID[r].Status == audit.StatusFail || byID[r].Status == audit.StatusError {
						t.Fatalf("%s: precondition %s is %s; the case must fail no precondition", c.ID, r, byID[r].Status)
					}
				}
				if f := byID[c.ID]; f.Status != audit.StatusPass || len(f.Evidence) != 0 || len(f.Chain) != 0 {
					t.Errorf("%s: status %s (%s), evidence %+v, chain %v; want a bare pass", c.ID, f.Status, f.Message, f.Evidence, f.Chain)
				}
			}
			if chains == 0 {
				t.Fatal("no container chains in the library")
			}
		})
	}
}

var (
	absPathLiteral = regexp.MustCompile(`['"]/[^'"]*['"]`)
	spaces         = regexp.MustCompile(`\s+`)
)

// TestChainEvidenceIsNotCopied: a chain's own evidence holds only facts it
// adds (cgroup version, host LSMs, kernel or containerd version, a
// capability no precondition shows); anything a precondition reports is
// inherited, so a chain repeats a required check's evidence entry only for
// a fact its own condition reads, and never carries a copied list of host
// paths.
func TestChainEvidenceIsNotCopied(t *testing.T) {
	cat, _, _ := builtinEngine(t)
	norm := func(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }
	for _, c := range cat.Checks {
		if !c.IsChain() {
			continue
		}
		exprs := []string{c.Condition, c.UnknownWhen}
		reads := norm(c.Condition + " " + c.UnknownWhen)
		for _, ev := range c.Evidence {
			exprs = append(exprs, ev.Value)
			for _, r := range c.Requires {
				for _, pev := range cat.Check(r).Evidence {
					// The one allowed repeat: a fact the chain's own condition
					// reads, which matters even when the precondition passes
					// (host.lsms: CE-LSM-002 passes on a host without AppArmor).
					if ev.Path == pev.Path && norm(ev.Value) == norm(pev.Value) && !strings.Contains(reads, norm(ev.Value)) {
						t.Errorf("%s: evidence %s repeats %s's entry; it is inherited when %s fails", c.ID, ev.Path, r, r)
					}
				}
			}
		}
		for _, e := range exprs {
			if m := absPathLiteral.FindString(e); m != "" {
				t.Errorf("%s: host path literal %s in a chain; paths belong to the atomic check it requires", c.ID, m)
			}
		}
	}
}

// TestVMChainsPassWhenNoPreconditionFailed: the vm chains read document
// facts (confinement, consoles) as well as failed[], and are evaluated only
// once a share or device-surface precondition failed. On domains where the
// facts they read are unknown or risky (LV-001 may even fail) but no such
// precondition failed, every vm chain is a bare pass, never unknown.
func TestVMChainsPassWhenNoPreconditionFailed(t *testing.T) {
	cat, eng, base := builtinEngine(t)
	unknownConsole := map[string]any{"type": "vnc", "listen": []any{}, "listen_source": "host_default", "socket": "", "port": 0,
		"autoport": true, "tls_port": 0, "exposure": "unknown", "exposed": false, "password": "unknown", "auth": "unknown", "tls": "unknown"}
	cases := map[string]map[string]any{
		"no qemu.conf: confinement and console unknown": {
			"security":        map[string]any{"driver": "", "confined": "unknown", "labels": []any{}},
			"remote_consoles": []any{unknownConsole},
		},
		// LV-001 fails, but no share or device surface completes a chain.
		"unconfined, nothing else": {
			"security": map[string]any{"driver": "none", "confined": "no", "labels": []any{}},
		},
	}
	for name, vm := range cases {
		t.Run(name, func(t *testing.T) {
			a, err := engine.FixtureAsset(audit.KindVM, base, map[string]any{"vm": vm})
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]audit.Finding{}
			for _, f := range eng.EvaluateAsset(a) {
				byID[f.CheckID] = f
			}
			chains := 0
			for _, c := range cat.Checks {
				if !c.IsChain() || c.Kind != audit.KindVM {
					continue
				}
				chains++
				if f := byID[c.ID]; f.Status != audit.StatusPass || len(f.Evidence) != 0 || len(f.Chain) != 0 {
					t.Errorf("%s: status %s (%s), evidence %+v, chain %v; want a bare pass", c.ID, f.Status, f.Message, f.Evidence, f.Chain)
				}
			}
			if chains == 0 {
				t.Fatal("no vm chains in the library")
			}
		})
	}
}
