package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// run executes the CLI in-process like main does.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/isoaudit-test.sock")
	code = Run(context.Background(), args, Streams{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func testdata(name string) string { return filepath.Join("..", "..", "testdata", "inspect", name) }

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"scan", "--bogus"}, "unknown flag: --bogus"},
		{"bad fail-on", []string{"scan", "--fail-on", "urgent"}, `unknown severity "urgent"`},
		{"bad max-risk", []string{"scan", "--max-risk", "300"}, "--max-risk"},
		{"bad output format", []string{"scan", "--inspect", testdata("risky.json"), "-o", "yaml"}, `unknown output format "yaml"`},
		{"two stdout outputs", []string{"scan", "--inspect", testdata("risky.json"), "-o", "json", "-o", "table"}, "both write to stdout"},
		{"bad log level", []string{"scan", "--log-level", "loud"}, "--log-level"},
		{"missing inspect file", []string{"scan", "--inspect", "/nonexistent/x.json"}, "/nonexistent/x.json"},
		{"malformed inspect file", []string{"scan", "--inspect", testdata("malformed.json")}, "malformed.json"},
		{"unknown check", []string{"checks", "show", "CE-NOPE-999"}, `unknown check "CE-NOPE-999"`},
		{"missing checks dir", []string{"checks", "list", "--checks-dir", "/nonexistent/dir"}, "/nonexistent/dir"},
		{"unknown command", []string{"scna"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 || strings.Contains(stderr, "goroutine") {
				t.Errorf("stderr is not one line: %q", stderr)
			}
		})
	}
}

func TestScanInspectFileJSONValidatesAgainstSchema(t *testing.T) {
	code, stdout, stderr := run(t, "", "scan", "--inspect", testdata("risky.json"), "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit = %d, stderr %q", code, stderr)
	}
	schematest.RequireValidReport(t, []byte(stdout))
	var r audit.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) == 0 || r.Sources[0].Kind != "inspect-file" || r.Sources[0].Status != "ok" {
		t.Fatalf("report = %+v", r.Sources)
	}
}

func TestScanExitCodes(t *testing.T) {
	risky := testdata("risky.json")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no gate", []string{"scan", "--inspect", risky}, ExitOK},
		{"fail-on critical trips", []string{"scan", "--inspect", risky, "--fail-on", "critical"}, ExitGate},
		{"max-risk trips", []string{"scan", "--inspect", risky, "--max-risk", "50"}, ExitGate},
		{"json output does not change the code", []string{"scan", "--inspect", risky, "--fail-on", "critical", "-o", "json"}, ExitGate},
		{"unreachable daemon is incomplete", []string{"scan", "--docker-host", "unix:///nonexistent/docker.sock"}, ExitIncomplete},
		{"gate wins over incomplete", []string{"scan", "--inspect", risky, "--docker-host", "unix:///nonexistent/docker.sock", "--fail-on", "high"}, ExitGate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != tt.want {
				t.Errorf("exit = %d, want %d (stderr %q)", code, tt.want, stderr)
			}
		})
	}
}

func TestUnreachableDaemonKeepsOtherSources(t *testing.T) {
	code, stdout, stderr := run(t, "", "scan", "--inspect", testdata("risky.json"),
		"--docker-host", "unix:///nonexistent/docker.sock", "-o", "json")
	if code != ExitIncomplete {
		t.Fatalf("exit = %d, want 3", code)
	}
	if !strings.Contains(stderr, "nonexistent/docker.sock") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("stderr = %q, want one line naming the endpoint", stderr)
	}
	var r audit.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) == 0 || len(r.Errors) == 0 {
		t.Errorf("want the inspect file's assets and an error entry; got %d assets, errors %+v", len(r.Assets), r.Errors)
	}
}

func TestScanReadsStdin(t *testing.T) {
	data, err := os.ReadFile(testdata("risky.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, string(data), "scan", "--inspect", "-", "-o", "json")
	if code != ExitOK || !strings.Contains(stdout, `"schema_version": "1.0"`) {
		t.Fatalf("exit = %d, stderr %q", code, stderr)
	}
}

func TestOutputFilesAre0600AndBothWritten(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "r.json")
	code, stdout, _ := run(t, "", "scan", "--inspect", testdata("risky.json"), "-o", "table", "-o", "json="+jsonPath)
	if code != ExitOK {
		t.Fatalf("exit = %d", code)
	}
	st, err := os.Stat(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("report mode = %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(stdout, "risk") || strings.Contains(stdout, "\x1b[") {
		t.Errorf("table on a pipe should be plain text: %q", stdout)
	}
}

func TestChecksCommands(t *testing.T) {
	code, out, _ := run(t, "", "checks", "list")
	if code != 0 || !strings.Contains(out, "CE-PRIV-001") || !strings.Contains(out, "critical") {
		t.Errorf("checks list: exit %d, %q", code, out)
	}
	code, out, _ = run(t, "", "checks", "show", "ce-priv-001")
	for _, want := range []string{"CE-PRIV-001", "Why it matters", "Remediation", "HostConfig.Privileged", "T1611"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("checks show: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = run(t, "", "checks", "test")
	if code != 0 || !strings.Contains(out, "ok: fixtures") {
		t.Errorf("checks test: exit %d, %q", code, out)
	}
	code, out, _ = run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "isoaudit ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestChecksDirAddsTeamChecks(t *testing.T) {
	dir := t.TempDir()
	team := `id: TEAM-ENV-001
title: Container has a DEBUG variable
kind: container
severity: low
description: Debug builds expose extra endpoints.
remediation: Unset DEBUG.
references: {urls: ["https://example.com/policy"]}
condition: "'DEBUG' in container.env_names"
evidence: [{path: Config.Env, value: "container.env_names.filter(n, n == 'DEBUG')", expected: no DEBUG}]
fixtures:
  fail: [{container: {env_names: [DEBUG]}}]
  pass: [{container: {env_names: [PATH]}}]
`
	if err := os.WriteFile(filepath.Join(dir, "TEAM-ENV-001.yaml"), []byte(team), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "", "checks", "list", "--checks-dir", dir)
	if code != 0 || !strings.Contains(out, "TEAM-ENV-001") {
		t.Fatalf("exit %d %q %q", code, out, stderr)
	}
	code, stdout, _ := run(t, "", "scan", "--inspect", testdata("risky.json"), "--checks-dir", dir, "-o", "json")
	if code != 0 || !strings.Contains(stdout, "TEAM-ENV-001") {
		t.Errorf("team check did not run: exit %d", code)
	}
	if err := os.WriteFile(filepath.Join(dir, "dup.yaml"), []byte(strings.Replace(team, "TEAM-ENV-001", "CE-PRIV-001", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, "", "checks", "list", "--checks-dir", dir)
	if code != ExitUsage || !strings.Contains(stderr, "duplicate check id CE-PRIV-001") {
		t.Errorf("duplicate id: exit %d, %q", code, stderr)
	}
}

// TestNoSecretInAnyOutput: risky.json holds a container whose environment
// has DB_PASSWORD=s3cr3t-inspect-fixture. No output format and no log line
// (at debug level, both log formats) may contain the value.
func TestNoSecretInAnyOutput(t *testing.T) {
	const secret = "s3cr3t-inspect-fixture"
	raw, err := os.ReadFile(testdata("risky.json"))
	if err != nil || !strings.Contains(string(raw), secret) {
		t.Fatalf("fixture must hold the secret: %v", err)
	}
	dir := t.TempDir()
	for _, logFormat := range []string{"console", "json"} {
		args := []string{"scan", "--inspect", testdata("risky.json"), "--log-level", "debug", "--log-format", logFormat, "-o", "table"}
		var files []string
		for _, f := range report.Formats() {
			p := filepath.Join(dir, logFormat+"."+f)
			files = append(files, p)
			args = append(args, "-o", f+"="+p)
		}
		_, stdout, stderr := run(t, "", args...)
		all := stdout + stderr
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		if strings.Contains(all, secret) {
			t.Errorf("log format %s: the secret value leaked into an output or log", logFormat)
		}
		if !strings.Contains(all, "DB_PASSWORD") && !strings.Contains(stdout, "fx-privileged") {
			t.Errorf("sanity: the container with the secret was not audited")
		}
	}
}

func TestDiscoverEngines(t *testing.T) {
	hosts, skipped := discoverEngines("tcp://10.0.0.1:2376", "")
	if len(hosts) != 1 || hosts[0] != "tcp://10.0.0.1:2376" || len(skipped) != 0 {
		t.Errorf("DOCKER_HOST should be the only source: %v %v", hosts, skipped)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	hosts, skipped = discoverEngines("", dir)
	if !slices.Contains(hosts, "unix://"+filepath.Join(dir, "docker.sock")) {
		t.Errorf("rootless docker socket not discovered: %v", hosts)
	}
	var reasons []string
	for _, s := range skipped {
		if s.Status != audit.SourceSkipped || !strings.HasPrefix(s.Error, "no socket at ") {
			t.Errorf("skipped source = %+v", s)
		}
		reasons = append(reasons, s.Endpoint)
	}
	if !slices.Contains(reasons, "unix://"+filepath.Join(dir, "podman", "podman.sock")) {
		t.Errorf("missing rootless podman socket not reported as skipped: %v", reasons)
	}
}

func TestBrokenChecksDirLeavesNoEmptyReport(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: TEAM-X-001\ncondition: container.nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := run(t, "", "scan", "--inspect", testdata("risky.json"), "--checks-dir", dir, "-o", "json="+out)
	if code != ExitUsage || !strings.Contains(stderr, "bad.yaml") {
		t.Errorf("exit %d, stderr %q; want 2 naming the file", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an empty report file was left behind: %v", err)
	}
}

func TestScanLibvirtXML(t *testing.T) {
	lv := filepath.Join("..", "..", "testdata", "libvirt")
	tests := []struct {
		name      string
		args      []string
		want      int
		stderr    string
		minAssets int
	}{
		{"directory of domains", []string{"--libvirt-xml", filepath.Join(lv, "domains")}, ExitOK, "", 10},
		{"with qemu.conf", []string{"--libvirt-xml", filepath.Join(lv, "domains"), "--qemu-conf", filepath.Join(lv, "qemu", "hardened.conf")}, ExitOK, "", 10},
		{"a malformed file costs only itself", []string{"--libvirt-xml", filepath.Join(lv, "walk")}, ExitIncomplete, "", 1},
		{"missing path", []string{"--libvirt-xml", "/nonexistent/domains"}, ExitUsage, "/nonexistent/domains", 0},
		{"qemu.conf alone", []string{"--qemu-conf", filepath.Join(lv, "qemu", "hardened.conf")}, ExitUsage, "--qemu-conf", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"scan", "-o", "json"}, tt.args...)...)
			if code != tt.want || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d (want %d), stderr %q (want it to contain %q)", code, tt.want, stderr, tt.stderr)
			}
			if tt.minAssets == 0 {
				return
			}
			schematest.RequireValidReport(t, []byte(stdout))
			var r audit.Report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			kinds := map[audit.Kind]int{}
			for _, a := range r.Assets {
				if a.Platform != audit.PlatformLibvirt {
					t.Errorf("asset %s: platform %s", a.ID, a.Platform)
				}
				kinds[a.Kind]++
			}
			if len(r.Assets) < tt.minAssets || kinds[audit.KindVM] < tt.minAssets-1 || kinds[audit.KindHost] > 1 {
				t.Errorf("assets = %d (want ≥ %d): %v", len(r.Assets), tt.minAssets, kinds)
			}
		})
	}
}

// TestNoConsolePasswordInAnyOutput: hardened.xml sets a VNC password and
// network-nat.vbox a teleporter password; no output format and no log
// line may carry them (only "set").
func TestNoConsolePasswordInAnyOutput(t *testing.T) {
	const secret = "Zx9!vT2q"
	domains := filepath.Join("..", "..", "testdata", "libvirt", "domains")
	raw, err := os.ReadFile(filepath.Join(domains, "hardened.xml"))
	if err != nil || !strings.Contains(string(raw), secret) {
		t.Fatalf("fixture must hold the password: %v", err)
	}
	const teleporter = "s3cr3t-teleport" // testdata/vbox/network-nat.vbox
	vboxFile := filepath.Join("..", "..", "testdata", "vbox", "network-nat.vbox")
	if raw, err := os.ReadFile(vboxFile); err != nil || !strings.Contains(string(raw), teleporter) {
		t.Fatalf("fixture must hold the teleporter password: %v", err)
	}
	dir := t.TempDir()
	for _, logFormat := range []string{"console", "json"} {
		args := []string{"scan", "--libvirt-xml", domains, "--vbox", vboxFile, "--vmx", filepath.Join("..", "..", "testdata", "vmx"),
			"--log-level", "debug", "--log-format", logFormat, "-o", "table"}
		for _, format := range report.Formats() {
			args = append(args, "-o", format+"="+filepath.Join(dir, logFormat+"."+format))
		}
		_, stdout, stderr := run(t, "", args...)
		all := stdout + stderr
		for _, format := range report.Formats() {
			b, err := os.ReadFile(filepath.Join(dir, logFormat+"."+format))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		// testdata/vmx/walk/broken.vmx: an unterminated VNC password whose
		// parse error must name the key, never the value.
		if strings.Contains(all, secret) || strings.Contains(all, teleporter) || strings.Contains(all, "s3cret-not-reported") {
			t.Errorf("log format %s: a console or teleporter password leaked into an output or log", logFormat)
		}
	}
}

// TestLibvirtXMLSecure: a console password hidden by the dump is unknown,
// never "no password"; --libvirt-xml-secure declares the dump complete.
func TestLibvirtXMLSecure(t *testing.T) {
	dump := filepath.Join("..", "..", "testdata", "libvirt", "domains", "readonly-dump.xml")
	status := func(args ...string) audit.Status {
		code, stdout, stderr := run(t, "", append([]string{"scan", "-o", "json", "--libvirt-xml", dump}, args...)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r audit.Report
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings.All() {
			if f.CheckID == "LV-015" {
				return f.Status
			}
		}
		t.Fatal("LV-015 not evaluated")
		return ""
	}
	if got := status(); got != audit.StatusUnknown {
		t.Errorf("without --libvirt-xml-secure LV-015 = %s, want unknown", got)
	}
	if got := status("--libvirt-xml-secure"); got != audit.StatusFail {
		t.Errorf("with --libvirt-xml-secure LV-015 = %s, want fail", got)
	}
}

func TestScanVMXAndVBox(t *testing.T) {
	td := filepath.Join("..", "..", "testdata")
	for _, tt := range []struct {
		flag, path, platform string
		want                 int
	}{
		{"--vmx", filepath.Join(td, "vmx", "hardened.vmx"), "vmware", ExitOK},
		{"--vbox", filepath.Join(td, "vbox", "hardened.vbox"), "virtualbox", ExitOK},
		{"--vmx", filepath.Join(td, "vmx", "walk"), "vmware", ExitIncomplete},
		{"--vbox", filepath.Join(td, "vbox", "walk"), "virtualbox", ExitIncomplete},
		{"--vmx", "/nonexistent/x.vmx", "", ExitUsage},
	} {
		t.Run(tt.flag+" "+filepath.Base(tt.path), func(t *testing.T) {
			code, stdout, stderr := run(t, "", "scan", "-o", "json", tt.flag, tt.path)
			if code != tt.want {
				t.Fatalf("exit %d, want %d: %s", code, tt.want, stderr)
			}
			if tt.platform == "" {
				return
			}
			schematest.RequireValidReport(t, []byte(stdout))
			var r audit.Report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Assets) == 0 || r.Assets[0].Platform != tt.platform || r.Assets[0].Kind != audit.KindVM {
				t.Errorf("assets = %+v", r.Assets)
			}
		})
	}
}

// TestNoSecretInAnyVMOutput scans VM definitions holding every kind of
// console and hypervisor secret (VNC and SPICE passwords in a domain
// dumped with secrets, a QEMU secret argument and environment value, a
// .vmx VNC password, a VirtualBox VRDE password hash and teleporter
// password, qemu.conf default passwords) into every output format and
// debug logs in both log formats: none of the values appears anywhere.
func TestNoSecretInAnyVMOutput(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "secrets")
	var secrets []string
	for i := 1; i <= 9; i++ {
		secrets = append(secrets, fmt.Sprintf("Leak%d", i))
	}
	out := t.TempDir()
	for _, logFormat := range []string{"console", "json"} {
		args := []string{"scan", "--libvirt-xml", filepath.Join(dir, "consoles.xml"), "--libvirt-xml-secure",
			"--qemu-conf", filepath.Join(dir, "qemu.conf"), "--vmx", filepath.Join(dir, "console.vmx"),
			"--vbox", filepath.Join(dir, "vrde.vbox"), "--log-level", "debug", "--log-format", logFormat,
			"-o", "table", "--show-passed"}
		for _, format := range report.Formats() {
			args = append(args, "-o", format+"="+filepath.Join(out, logFormat+"."+format))
		}
		code, stdout, stderr := run(t, "", args...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		all := stdout + stderr
		for _, format := range report.Formats() {
			b, err := os.ReadFile(filepath.Join(out, logFormat+"."+format))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
		if !strings.Contains(all, "secret-consoles") || !strings.Contains(all, "secret-vrde") || !strings.Contains(all, "secret-vnc") {
			t.Fatalf("the VMs were not all audited")
		}
		for _, s := range secrets {
			if strings.Contains(all, s) {
				i := strings.Index(all, s)
				t.Errorf("log format %s: secret …%s… leaked: %q", logFormat, s, all[max(i-80, 0):min(i+20, len(all))])
			}
		}
	}
}
