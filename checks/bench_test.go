package checks

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/engine"
)

// benchAssets are the documents the library benchmark evaluates: the
// hardened baseline (every check passes), a plain `docker run` container
// (a handful of medium and low failures) and a risky container (most
// checks fail, so evidence and chains are evaluated too), and the same
// two extremes for the vm library.
func benchAssets(b *testing.B) map[string]*audit.Asset {
	var base map[string]any
	if err := yaml.Unmarshal(Baseline(), &base); err != nil {
		b.Fatal(err)
	}
	risky := map[string]any{
		"container": map[string]any{
			"user": "", "uid": 0, "root": true, "privileged": true, "readonly_rootfs": false,
			"capabilities": map[string]any{"added": []any{"ALL"}, "dropped": []any{}, "effective": []any{"SYS_ADMIN", "SYS_PTRACE", "NET_RAW"}},
			"namespaces":   map[string]any{"pid": "host", "net": "host", "ipc": "host", "uts": "host", "user": "host", "cgroup": "host"},
			"mounts": []any{
				map[string]any{"type": "bind", "source": "/var/run/docker.sock", "destination": "/var/run/docker.sock", "rw": true, "propagation": "rprivate"},
				map[string]any{"type": "bind", "source": "/", "destination": "/host", "rw": true, "propagation": "rshared"},
			},
			"security": map[string]any{"seccomp": "unconfined", "apparmor": "unconfined", "no_new_privileges": false,
				"masked_paths": []any{}, "readonly_paths": []any{}, "writable_cgroups": true},
			"resources": map[string]any{"memory": 0, "pids_limit": 0, "nano_cpus": 0},
		},
		"host": map[string]any{"cgroup_version": "1"},
	}
	// A plain `docker run IMAGE`: root, the default capabilities, no limits.
	plain := map[string]any{
		"container": map[string]any{
			"user": "", "uid": 0, "root": true, "readonly_rootfs": false,
			"capabilities": map[string]any{"added": []any{}, "dropped": []any{}, "effective": []any{"AUDIT_WRITE", "CHOWN",
				"DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}},
			"security":  map[string]any{"no_new_privileges": false, "options": []any{}},
			"resources": map[string]any{"memory": 0, "pids_limit": 0, "nano_cpus": 0},
		},
	}
	out := map[string]*audit.Asset{}
	for name, fx := range map[string]map[string]any{"hardened": nil, "default": plain, "risky": risky} {
		a, err := engine.FixtureAsset(audit.KindContainer, base, fx)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = a
	}
	// The hardened baseline domain, and a risky one on which most vm checks
	// and every vm chain fail.
	riskyVM := map[string]any{
		"remote_consoles": []any{console("0.0.0.0", "network", "not_set", "none", "no")},
		"shares":          []any{share("/", true, "passthrough"), share("/home/alice", true, "passthrough")},
		"security":        unconfined,
		"devices": []any{map[string]any{"class": "floppy", "model": "", "backend": ""},
			map[string]any{"class": "shmem", "model": "ivshmem-plain", "backend": ""},
			map[string]any{"class": "usb_redirect", "model": "usb", "backend": "spicevmc"}},
		"cpu":      map[string]any{"mode": "host-passthrough", "model": "", "nested": "enabled", "features_required": []any{"vmx"}, "features_disabled": []any{}},
		"raw_args": []any{"-device", "ivshmem-plain,memdev=hostmem"},
		"raw":      map[string]any{"devices/graphics[0]/@sharePolicy": "ignore", "cpu/cache/@mode": "passthrough"},
	}
	for name, fx := range map[string]map[string]any{"vm-hardened": nil, "vm-risky": {"vm": riskyVM}} {
		a, err := engine.FixtureAsset(audit.KindVM, base, fx)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = a
	}
	return out
}

// BenchmarkBuiltinLibrary measures evaluating the whole built-in library on
// one asset (target: ≤ 50 µs per asset).
func BenchmarkBuiltinLibrary(b *testing.B) {
	_, eng, _ := builtinEngine(b)
	for name, a := range benchAssets(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(eng.EvaluateAsset(a))
			}
			b.ReportMetric(float64(n), "checks")
		})
	}
}

// BenchmarkCompileLibrary measures engine.New on the built-in library, the
// start-up cost every scan pays once: from YAML source, and from the
// precompiled table the CLI uses.
func BenchmarkCompileLibrary(b *testing.B) {
	cat, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	pre, err := Precompiled()
	if err != nil {
		b.Fatal(err)
	}
	for name, opts := range map[string][]engine.Option{"source": nil, "precompiled": {engine.WithPrecompiled(pre)}} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.New(cat, opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
