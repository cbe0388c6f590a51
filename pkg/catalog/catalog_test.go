package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const validCheck = `id: T-ONE-001
title: A test check
kind: container
severity: high
description: Test.
remediation: Fix it.
references: {attack: [T1611]}
condition: container.privileged
evidence:
  - {path: HostConfig.Privileged, value: container.privileged, expected: "false"}
`

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"unknown yaml field", fstest.MapFS{"a.yaml": {Data: []byte(validCheck + "colour: red\n")}},
			"field colour not found"},
		{"duplicate id", fstest.MapFS{"a.yaml": {Data: []byte(validCheck)}, "b.yaml": {Data: []byte(validCheck)}},
			"duplicate check id T-ONE-001"},
		{"bad id", fstest.MapFS{"a.yaml": {Data: []byte(strings.Replace(validCheck, "T-ONE-001", "lower-1", 1))}},
			"does not match"},
		{"unknown severity", fstest.MapFS{"a.yaml": {Data: []byte(strings.Replace(validCheck, "severity: high", "severity: huge", 1))}},
			`unknown severity "huge"`},
		{"unknown kind", fstest.MapFS{"a.yaml": {Data: []byte(strings.Replace(validCheck, "kind: container", "kind: pod", 1))}},
			`unknown kind "pod"`},
		{"missing remediation", fstest.MapFS{"a.yaml": {Data: []byte(strings.Replace(validCheck, "remediation: Fix it.\n", "", 1))}},
			"missing remediation"},
		{"no evidence", fstest.MapFS{"a.yaml": {Data: []byte(validCheck[:strings.Index(validCheck, "evidence:")])}},
			"evidence entry is required"},
		{"no references", fstest.MapFS{"a.yaml": {Data: []byte(strings.Replace(validCheck, "references: {attack: [T1611]}\n", "", 1))}},
			"reference is required"},
		{"empty file", fstest.MapFS{"a.yaml": {Data: []byte("")}}, "empty file"},
		{"mitigation factor", fstest.MapFS{MitigationsFile: {Data: []byte("- {id: m, title: M, kind: container, condition: 'true', factor: 1.5}\n")}},
			"outside [0, 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.files, "dir")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "load dir/") && !strings.HasPrefix(err.Error(), "read dir/") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestMergeValidatesReferences(t *testing.T) {
	chain := strings.Replace(validCheck, "T-ONE-001", "T-CHAIN-001", 1) + "requires: [T-ONE-001, T-MISSING-001]\n"
	cat, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(validCheck)}, "c.yaml": {Data: []byte(chain)}}, "dir")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(cat); err == nil || !strings.Contains(err.Error(), "requires unknown check T-MISSING-001") {
		t.Fatalf("Merge error = %v", err)
	}
	unknownMit := validCheck + "mitigated_by: [nope]\n"
	cat, err = Load(fstest.MapFS{"a.yaml": {Data: []byte(unknownMit)}}, "dir")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(cat); err == nil || !strings.Contains(err.Error(), "unknown mitigation nope") {
		t.Fatalf("Merge error = %v", err)
	}
}

func TestMergeRejectsDuplicateAcrossCatalogs(t *testing.T) {
	a, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(validCheck)}}, "builtin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(validCheck)}}, "team")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Merge(a, b)
	if err == nil || !strings.Contains(err.Error(), "duplicate check id T-ONE-001") || !strings.Contains(err.Error(), "builtin/a.yaml") {
		t.Fatalf("Merge error = %v, want a duplicate naming both files", err)
	}
}

func TestChainOrderAndCycles(t *testing.T) {
	c2 := strings.Replace(validCheck, "T-ONE-001", "T-CHAIN-002", 1) + "requires: [T-CHAIN-001]\n"
	c1 := strings.Replace(validCheck, "T-ONE-001", "T-CHAIN-001", 1) + "requires: [T-ONE-001]\n"
	cat, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(validCheck)}, "b.yaml": {Data: []byte(c1)}, "c.yaml": {Data: []byte(c2)}}, "d")
	if err != nil {
		t.Fatal(err)
	}
	order, err := cat.ChainOrder()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range order {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, ","); got != "T-ONE-001,T-CHAIN-001,T-CHAIN-002" {
		t.Errorf("order = %s", got)
	}
	cyc := strings.Replace(validCheck, "T-ONE-001", "T-CHAIN-001", 1) + "requires: [T-CHAIN-002]\n"
	cat, err = Load(fstest.MapFS{"b.yaml": {Data: []byte(cyc)}, "c.yaml": {Data: []byte(c2)}}, "d")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(cat); err == nil || !strings.Contains(err.Error(), "chain cycle") {
		t.Fatalf("Merge error = %v, want a cycle", err)
	}
}

func TestLoadKinds(t *testing.T) {
	vm := strings.NewReplacer("T-ONE-001", "T-VM-001", "kind: container", "kind: vm").Replace(validCheck)
	fsys := fstest.MapFS{
		"container/a.yaml": {Data: []byte(validCheck)},
		"vm/b.yaml":        {Data: []byte(vm)},
		MitigationsFile:    {Data: []byte("- {id: m, title: M, kind: container, condition: 'true', factor: 0.5}\n")},
	}
	cat, err := LoadKinds(fsys, "lib", audit.KindContainer)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Checks) != 1 || cat.Checks[0].ID != "T-ONE-001" || len(cat.Mitigations) != 1 {
		t.Errorf("LoadKinds(container) = %d checks (%v), %d mitigations", len(cat.Checks), cat.Check("T-ONE-001") != nil, len(cat.Mitigations))
	}
	all, err := Load(fsys, "lib")
	if err != nil || len(all.Checks) != 2 {
		t.Errorf("Load = %v, %v", all, err)
	}
}

func TestChainMustRunOnItsRequirementsPlatforms(t *testing.T) {
	atomic := strings.Replace(validCheck, "kind: container\n", "kind: container\nplatforms: [docker]\n", 1)
	chain := strings.NewReplacer("T-ONE-001", "T-CHAIN-001", "kind: container\n", "kind: container\nplatforms: [podman]\n").Replace(validCheck) +
		"requires: [T-ONE-001]\n"
	cat, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(atomic)}, "c.yaml": {Data: []byte(chain)}}, "d")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(cat); err == nil || !strings.Contains(err.Error(), "does not run on platform podman") {
		t.Fatalf("Merge error = %v", err)
	}
}
