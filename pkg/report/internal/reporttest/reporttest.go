// Package reporttest builds fixed, realistic reports for the writer tests;
// volatile fields (time, tool version) are pinned so golden files are stable.
package reporttest

import (
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// CreatedAt and ToolVersion are the pinned volatile fields.
var CreatedAt = time.Date(2026, 7, 1, 12, 0, 3, 0, time.UTC)

// ToolVersion is the pinned tool version.
const ToolVersion = "0.0.0-test"

// Case is one named report for table-driven tests.
type Case struct {
	Name   string
	Report func() *audit.Report
}

// Cases lists every fixture report, by name.
func Cases() []Case {
	return []Case{
		{"representative", Representative},
		{"clean", Clean},
		{"empty", Empty},
	}
}

const (
	dockerSock = "unix:///var/run/docker.sock"
	vmxFile    = "/vms/build/build.vmx"
	hostName   = "node-7"
)

// Representative is a fleet scan with every status, severity and asset
// kind, a chain finding, a mitigated finding, evidence whose actual values
// are bools, strings, numbers, lists and objects, a source that failed, a
// skipped source and scan errors; the gate tripped.
func Representative() *audit.Report {
	assets := []audit.AssetResult{
		asset("docker/node-7/db", "db", audit.KindContainer, "docker", dockerSock, 60, "D", nil),
		asset("docker/node-7/web-1", "web-1", audit.KindContainer, "docker", dockerSock, 97.5, "F",
			map[string]string{"com.docker.compose.project": "shop", "tier": "frontend"}),
		asset("vmware/node-7/build-vm", "build-vm", audit.KindVM, "vmware", vmxFile, 20, "B", nil),
		asset("linux/node-7", hostName, audit.KindHost, "linux", "localhost", 0, "A", nil),
		asset("docker/node-7/api", "api", audit.KindContainer, "docker", dockerSock, 60, "D", nil),
	}
	findings := []audit.Finding{
		// web-1: the worst container.
		fail("CE-PRIV-001", "web-1", audit.SeverityCritical, "Container runs privileged", 0.9,
			"Recreate the container without --privileged; grant only the capabilities and devices it needs. Privileged mode disables every other isolation layer.",
			ev("HostConfig.Privileged", true, "false")),
		withChain(fail("CE-ESC-001", "web-1", audit.SeverityCritical, "cgroup v1 release_agent escape is possible", 0.9,
			"Remove CAP_SYS_ADMIN, keep the AppArmor profile\nand move the host to cgroup v2.\n\nSee https://man7.org/linux/man-pages/man7/cgroups.7.html for details.",
			ev("HostConfig.CapAdd", []string{"SYS_ADMIN"}, "SYS_ADMIN not added"),
			ev("AppArmorProfile", "unconfined", "docker-default"),
			ev("host.cgroup_version", "1", "2")),
			"CE-CAP-002", "CE-LSM-001", "KH-003"),
		fail("CE-CAP-002", "web-1", audit.SeverityHigh, "CAP_SYS_ADMIN is in the effective set", 0.5,
			"Drop CAP_SYS_ADMIN: remove it from --cap-add, or use --cap-drop ALL and add back only what the process needs.",
			ev("capabilities.effective", []string{
				"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
				"NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_CHROOT", "SYS_PTRACE",
				"SYS_MODULE", "NET_ADMIN", "BPF", "PERFMON",
			}, "no SYS_ADMIN")),
		fail("CE-LSM-001", "web-1", audit.SeverityHigh, "AppArmor is unconfined", 0.5,
			"Run with the docker-default AppArmor profile or a custom one; do not pass --security-opt apparmor=unconfined.",
			ev("AppArmorProfile", "unconfined", "docker-default or a custom profile")),
		mitigate(fail("CE-MNT-003", "web-1", audit.SeverityMedium, "Sensitive host path mounted read-write", 0.05,
			"Mount /etc read-only (:ro) or not at all.",
			ev("Mounts[1]", map[string]any{"source": "/etc", "destination": "/host/etc", "rw": true}, "read-only or absent")),
			"userns-remap", "User-namespace remapping is enabled", 0.25),
		fail("CE-RES-001", "web-1", audit.SeverityLow, "No PID limit", 0.05,
			"Set --pids-limit (e.g. 512) to stop fork bombs from exhausting the host. It costs nothing.",
			ev("HostConfig.PidsLimit", 0, "> 0")),
		fail("CE-IMG-002", "web-1", audit.SeverityInfo, "Image referenced by tag, not digest", 0,
			"Pin the image by digest (nginx@sha256:…) so a re-tag cannot swap it.",
			ev("Config.Image", "nginx:1.27", "an image@sha256 digest")),
		pass("CE-USER-001", "web-1", audit.SeverityHigh, "Container runs as root"),
		other(audit.StatusWaived, "CE-SOCK-001", "web-1", audit.SeverityCritical, "Docker socket mounted into the container",
			"WVR-2026-014 (SEC-1234), until 2026-11-01: the CI runner needs the socket"),
		other(audit.StatusUnknown, "KH-006", "web-1", audit.SeverityHigh, "Kernel lacks fixes for known container escapes",
			"host facts missing: the engine did not report a kernel release"),

		// api and db tie on risk; api comes first by name.
		fail("CE-NS-002", "api", audit.SeverityHigh, "Host network namespace shared", 0.5,
			"Use a bridge or user-defined network instead of --network host.",
			ev("HostConfig.NetworkMode", "host", "bridge or a user-defined network")),
		fail("CE-RES-002", "api", audit.SeverityLow, "No memory limit", 0.05,
			"Set --memory to bound the container.",
			ev("HostConfig.Memory", 0, "> 0")),
		other(audit.StatusError, "CE-LSM-003", "api", audit.SeverityMedium, "Seccomp profile disabled",
			"evaluate condition: no such key: seccomp_profile"),
		pass("CE-PRIV-001", "api", audit.SeverityCritical, "Container runs privileged"),
		fail("CE-NS-002", "db", audit.SeverityHigh, "Host network namespace shared", 0.5,
			"Use a bridge or user-defined network instead of --network host.",
			ev("HostConfig.NetworkMode", "host", "bridge or a user-defined network")),
		fail("CE-CAP-004", "db", audit.SeverityLow, "NET_RAW is in the effective set", 0.05,
			"Add --cap-drop NET_RAW.",
			ev("capabilities.effective", []string{"CHOWN", "DAC_OVERRIDE", "NET_RAW"}, "no NET_RAW")),
		pass("CE-PRIV-001", "db", audit.SeverityCritical, "Container runs privileged"),

		// build-vm: a VMware VM read from its .vmx.
		fail("VMX-010", "build-vm", audit.SeverityMedium, "Clipboard copy from guest to host enabled", 0.2,
			"Set isolation.tools.copy.disable = \"TRUE\".",
			ev("isolation.tools.copy.disable", "FALSE", "TRUE")),
		other(audit.StatusUnknown, "VMX-004", "build-vm", audit.SeverityHigh, "VNC console without a password",
			"RemoteDisplay.vnc.key is stored encrypted in the .vmx; the password cannot be checked offline"),
		pass("VMX-008", "build-vm", audit.SeverityMedium, "HGFS shared folders enabled"),

		// node-7: the host itself passes.
		pass("KH-003", hostName, audit.SeverityMedium, "Host runs cgroup v1"),
		pass("KH-001", hostName, audit.SeverityHigh, "Docker daemon runs without user-namespace remapping"),
	}
	byID := map[string]string{}
	for _, a := range assets {
		byID[a.Name] = a.ID
	}
	for i := range findings {
		name := findings[i].AssetID
		findings[i].ID = audit.FindingID(findings[i].CheckID, hostName, name)
		findings[i].AssetID = byID[name]
	}
	r := &audit.Report{
		SchemaVersion: audit.SchemaVersion,
		Tool:          audit.Tool{Name: "isoaudit", Version: ToolVersion},
		CreatedAt:     CreatedAt,
		Sources: []audit.Source{
			{Kind: "docker", Endpoint: dockerSock, Status: audit.SourceOK, Assets: 3,
				Notes: []string{"container 9c1e5 was removed between list and inspect"}},
			{Kind: "vmx", Endpoint: vmxFile, Status: audit.SourceOK, Assets: 1},
			{Kind: "host", Endpoint: "localhost", Status: audit.SourceOK, Assets: 1},
			{Kind: "libvirt", Endpoint: "qemu:///system", Status: audit.SourceError,
				Error: "connect to libvirt: dial unix /var/run/libvirt/libvirt-sock: connect: permission denied " +
					"(add the user to the libvirt group, or use qemu:///system?socket=/var/run/libvirt/libvirt-sock-ro for read-only access)"},
			{Kind: "vbox", Endpoint: "/vms/old/old.vbox", Status: audit.SourceSkipped},
		},
		Assets:   assets,
		Findings: audit.NewFindings(findings...),
		Errors: []audit.ScanError{
			{Source: "qemu:///system", Message: "connect to libvirt: dial unix /var/run/libvirt/libvirt-sock: connect: permission denied"},
			{Source: dockerSock, AssetID: "docker/node-7/worker-3", Message: "inspect container worker-3: context deadline exceeded"},
		},
	}
	r.Summary = Summarize(r)
	r.Summary.Gate = &audit.GateResult{Result: "fail", Reasons: []string{
		"6 failed findings with severity >= high (--fail-on high)",
		"max risk 97.5 is above --max-risk 80",
	}}
	return r
}

// Clean is a small scan where everything passed and the gate passed.
func Clean() *audit.Report {
	r := &audit.Report{
		SchemaVersion: audit.SchemaVersion,
		Tool:          audit.Tool{Name: "isoaudit", Version: ToolVersion},
		CreatedAt:     CreatedAt,
		Sources:       []audit.Source{{Kind: "inspect-file", Endpoint: "testdata/inspect/hardened.json", Status: audit.SourceOK, Assets: 1}},
		Assets: []audit.AssetResult{
			asset("docker/ci/hardened", "hardened", audit.KindContainer, "docker", "testdata/inspect/hardened.json", 0, "A",
				map[string]string{"app": "hardened"}),
		},
	}
	// Stored the way a scan stores them (compact passes, derived ids), so
	// every writer's golden output covers rebuilt findings.
	r.Findings.AppendAsset(&audit.Asset{ID: "docker/ci/hardened", Name: "hardened", Host: &audit.Host{Hostname: "ci"}}, []audit.Finding{
		pass("CE-PRIV-001", "hardened", audit.SeverityCritical, "Container runs privileged"),
		pass("CE-CAP-002", "hardened", audit.SeverityHigh, "CAP_SYS_ADMIN is in the effective set"),
	})
	r.Summary = Summarize(r)
	r.Summary.Gate = &audit.GateResult{Result: "pass"}
	return r
}

// Empty is a report with nothing in it and nil slices and maps throughout,
// as a zero-value Report would be.
func Empty() *audit.Report {
	return &audit.Report{
		SchemaVersion: audit.SchemaVersion,
		Tool:          audit.Tool{Name: "isoaudit", Version: ToolVersion},
		CreatedAt:     CreatedAt,
	}
}

// Summarize computes the summary the way the scorer does, so fixtures stay
// self-consistent.
func Summarize(r *audit.Report) audit.Summary {
	s := audit.Summary{
		Assets:     len(r.Assets),
		BySeverity: map[string]int{},
		ByStatus:   map[string]int{},
		ByGrade:    map[string]int{},
	}
	for _, sev := range audit.Severities() {
		s.BySeverity[sev.String()] = 0
	}
	for _, st := range audit.Statuses() {
		s.ByStatus[string(st)] = 0
	}
	total := 0.0
	for _, a := range r.Assets {
		s.MaxRisk = max(s.MaxRisk, a.Risk)
		total += a.Risk
		s.ByGrade[a.Grade]++
	}
	if len(r.Assets) > 0 {
		s.MeanRisk = total / float64(len(r.Assets))
	}
	for _, f := range r.Findings.All() {
		s.ByStatus[string(f.Status)]++
		if f.Status == audit.StatusFail {
			s.BySeverity[f.Severity.String()]++
		}
	}
	return s
}

func asset(id, name string, kind audit.Kind, platform, source string, risk float64, grade string, labels map[string]string) audit.AssetResult {
	return audit.AssetResult{
		Asset: &audit.Asset{ID: id, Name: name, Kind: kind, Platform: platform, Source: source, Labels: labels},
		Host:  "node-7.example.internal",
		Risk:  risk,
		Grade: grade,
	}
}

func ev(path string, actual any, expected string) audit.Evidence {
	return audit.Evidence{Path: path, Actual: actual, Expected: expected}
}

// fail builds a failed finding; AssetID holds the asset name until
// Representative resolves it.
func fail(check, assetName string, sev audit.Severity, title string, weight float64, remediation string, evidence ...audit.Evidence) audit.Finding {
	return audit.Finding{
		CheckID: check, AssetID: assetName, Status: audit.StatusFail, Severity: sev, Title: title,
		Evidence: evidence, Remediation: remediation, Weight: weight,
		References: []string{"CIS-Docker-1.6.0:5.4", "T1611"},
		Tags:       []string{"escape"},
	}
}

func pass(check, assetName string, sev audit.Severity, title string) audit.Finding {
	return audit.Finding{CheckID: check, AssetID: assetName, Status: audit.StatusPass, Severity: sev, Title: title}
}

func other(status audit.Status, check, assetName string, sev audit.Severity, title, message string) audit.Finding {
	return audit.Finding{CheckID: check, AssetID: assetName, Status: status, Severity: sev, Title: title, Message: message}
}

func withChain(f audit.Finding, chain ...string) audit.Finding {
	f.Chain = chain
	f.Tags = append(f.Tags, "chain")
	return f
}

func mitigate(f audit.Finding, id, title string, factor float64) audit.Finding {
	f.Mitigations = append(f.Mitigations, audit.AppliedMitigation{ID: id, Title: title, Factor: factor})
	return f
}
