package checks

import (
	"sort"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// console is a remote console of the given exposure and authentication,
// as the libvirt collector writes it.
func console(listen, exposure, password, auth, tls string) map[string]any {
	return map[string]any{"type": "vnc", "listen": []any{listen}, "listen_source": "vm", "socket": "", "port": 5901,
		"autoport": false, "tls_port": 0, "exposure": exposure, "exposed": exposure == "network",
		"password": password, "auth": auth, "tls": tls}
}

func share(hostPath string, writable bool, accessMode string) map[string]any {
	return map[string]any{"type": "9p", "host_path": hostPath, "target": "share", "writable": writable,
		"access_mode": accessMode, "driver": "", "sandbox": "", "symlinks": ""}
}

var unconfined = map[string]any{"driver": "none", "confined": "no",
	"labels": []any{map[string]any{"model": "", "type": "none", "relabel": false, "label": ""}}}

// TestVMRiskScenarios pins the scoring contract of the vm library on the
// hardened baseline domain (DESIGN.md: one critical path alone ≥ 90; a
// hardened domain stays in grade A).
func TestVMRiskScenarios(t *testing.T) {
	_, eng, base := builtinEngine(t)
	tests := []struct {
		name       string
		vm         map[string]any
		min, max   float64
		wantFailed []string // exact set when non-nil
	}{
		{name: "hardened baseline", vm: map[string]any{}, max: 0, wantFailed: []string{}},
		{name: "hardened, legacy BIOS", vm: map[string]any{"firmware": map[string]any{"type": "", "secure_boot": "no"}},
			max: 10, wantFailed: []string{"LV-038"}},
		{name: "host-root 9p share in passthrough, seclabel none",
			vm:  map[string]any{"shares": []any{share("/", true, "passthrough")}, "security": unconfined},
			min: 90, max: 100, wantFailed: []string{"LV-001", "LV-007", "LV-CHAIN-003"}},
		{name: "VNC on 0.0.0.0 without password",
			vm:  map[string]any{"remote_consoles": []any{console("0.0.0.0", "network", "not_set", "none", "no")}},
			min: 90, max: 100, wantFailed: []string{"LV-015"}},
		{name: "VNC on 0.0.0.0 with password and TLS",
			vm:  map[string]any{"remote_consoles": []any{console("0.0.0.0", "network", "set", "password", "yes")}},
			min: 50, max: 50, wantFailed: []string{"LV-014"}},
		{name: "VNC on 0.0.0.0 with password, no TLS",
			vm:  map[string]any{"remote_consoles": []any{console("0.0.0.0", "network", "set", "password", "no")}},
			min: 60, max: 60, wantFailed: []string{"LV-014", "LV-044"}},
		// A read-only dump hides the password: the exposure is certain,
		// the missing authentication is unknown and adds nothing.
		{name: "VNC on 0.0.0.0, password hidden",
			vm:  map[string]any{"remote_consoles": []any{console("0.0.0.0", "network", "unknown", "unknown", "unknown")}},
			min: 50, max: 50, wantFailed: []string{"LV-014"}},
		{name: "open VNC and an assigned PCI device",
			vm: map[string]any{"remote_consoles": []any{console("0.0.0.0", "network", "not_set", "none", "no")},
				"passthrough": []any{map[string]any{"type": "pci", "id": "0000:03:00.0", "managed": true, "rom_file": "", "rawio": false, "sgio": ""}}},
			min: 90, max: 100, wantFailed: []string{"LV-004", "LV-015", "LV-CHAIN-001"}},
		{name: "telnet serial console on 0.0.0.0",
			vm: map[string]any{"char_devices": []any{map[string]any{"type": "serial", "backend": "tcp", "mode": "bind",
				"address": "0.0.0.0", "port": "4555", "path": "", "protocol": "telnet", "tls": "no", "target": "isa-serial",
				"exposure": "network", "exposed": true}}},
			min: 90, max: 100, wantFailed: []string{"LV-021"}},
		{name: "floppy drive", vm: map[string]any{"devices": []any{map[string]any{"class": "floppy", "model": "", "backend": ""},
			map[string]any{"class": "fdc", "model": "", "backend": ""}}}, min: 20, max: 20, wantFailed: []string{"LV-013"}},
		{name: "writable data share in passthrough mode", vm: map[string]any{"shares": []any{share("/srv/data", true, "passthrough")}},
			min: 20, max: 20, wantFailed: []string{"LV-041"}},
	}
	w := score.DefaultWeights()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := engine.FixtureAsset(audit.KindVM, base, map[string]any{"vm": tc.vm})
			if err != nil {
				t.Fatal(err)
			}
			findings := eng.EvaluateAsset(a)
			risk, grade := w.Asset(findings)
			failed := []string{}
			for _, f := range findings {
				if f.Status == audit.StatusFail {
					failed = append(failed, f.CheckID)
				}
				if f.Status == audit.StatusError {
					t.Errorf("%s: error: %s", f.CheckID, f.Message)
				}
			}
			t.Logf("risk %.1f (%s): %v", risk, grade, failed)
			if risk < tc.min || risk > tc.max {
				t.Errorf("risk = %.1f, want in [%.1f, %.1f]", risk, tc.min, tc.max)
			}
			if tc.wantFailed != nil {
				sort.Strings(failed)
				if strings.Join(failed, ",") != strings.Join(tc.wantFailed, ",") {
					t.Errorf("failed = %v, want %v", failed, tc.wantFailed)
				}
			}
		})
	}
}
