package audit

// Kind is the kind of asset a document describes and a check applies to.
type Kind string

// The asset kinds.
const (
	KindContainer Kind = "container"
	KindVM        Kind = "vm"
	KindHost      Kind = "host"
)

// References ties a check to the frameworks and advisories behind it.
type References struct {
	CIS    []string `yaml:"cis,omitempty" json:"cis,omitempty"`       // CIS Docker Benchmark 1.6.0 control ids
	Attack []string `yaml:"attack,omitempty" json:"attack,omitempty"` // MITRE ATT&CK technique ids
	CVE    []string `yaml:"cve,omitempty" json:"cve,omitempty"`
	URLs   []string `yaml:"urls,omitempty" json:"urls,omitempty"`
}

// All returns every reference as one flat list: CIS ids prefixed with
// "CIS-Docker-1.6.0:", then ATT&CK ids, CVEs and URLs.
func (r References) All() []string {
	out := make([]string, 0, len(r.CIS)+len(r.Attack)+len(r.CVE)+len(r.URLs))
	for _, c := range r.CIS {
		out = append(out, "CIS-Docker-1.6.0:"+c)
	}
	out = append(out, r.Attack...)
	out = append(out, r.CVE...)
	return append(out, r.URLs...)
}

// EvidenceSpec says what a failed check reports: Path names the field the
// collector read (for Docker, the inspect field such as
// "HostConfig.Privileged"), Value is a CEL expression over the document
// giving the value seen, Expected describes the value a safe asset has.
type EvidenceSpec struct {
	Path     string `yaml:"path" json:"path"`
	Value    string `yaml:"value" json:"value"`
	Expected string `yaml:"expected" json:"expected"`
}

// Fixture is a partial document (merged over the catalog's baseline) on
// which a check must reach a known status. It is an alias, not a named
// type, so YAML decodes nested mappings as plain map[string]any too.
type Fixture = map[string]any

// Fixtures are a check's own test cases.
type Fixtures struct {
	Pass    []Fixture `yaml:"pass" json:"pass"`
	Fail    []Fixture `yaml:"fail" json:"fail"`
	Unknown []Fixture `yaml:"unknown,omitempty" json:"unknown,omitempty"`
}

// Check is one escape-risk check, defined by one YAML file. A Check is
// immutable once loaded: evaluating it returns Findings and never changes
// the Check, so one catalog serves many concurrent evaluations.
type Check struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	Kind  Kind   `yaml:"kind" json:"kind"`
	// Platforms narrows a check to assets of these platforms (libvirt,
	// vmware, virtualbox…); empty means every platform of its kind. A
	// check does not run, and reports nothing, on other platforms.
	Platforms   []string   `yaml:"platforms,omitempty" json:"platforms,omitempty"`
	Severity    Severity   `yaml:"severity" json:"severity"`
	Description string     `yaml:"description" json:"description"`
	Remediation string     `yaml:"remediation" json:"remediation"`
	Tags        []string   `yaml:"tags" json:"tags"`
	References  References `yaml:"references" json:"references"`
	// Condition is a CEL expression that is true when the asset FAILS.
	Condition string `yaml:"condition" json:"condition"`
	// UnknownWhen, when set, is a CEL expression that is true when the
	// document lacks what Condition needs; the finding is then unknown.
	UnknownWhen   string `yaml:"unknown_when,omitempty" json:"unknown_when,omitempty"`
	UnknownReason string `yaml:"unknown_reason,omitempty" json:"unknown_reason,omitempty"`
	// Requires lists the check ids a chain check builds on; a chain's
	// Condition may read `failed["ID"]`. Empty for atomic checks.
	Requires []string `yaml:"requires,omitempty" json:"requires,omitempty"`
	// MitigatedBy names mitigations (checks/mitigations.yaml) that defuse
	// this check when they hold, lowering its weight in the score.
	MitigatedBy []string       `yaml:"mitigated_by,omitempty" json:"mitigated_by,omitempty"`
	Evidence    []EvidenceSpec `yaml:"evidence" json:"evidence"`
	Fixtures    Fixtures       `yaml:"fixtures" json:"-"`
	Deprecated  bool           `yaml:"deprecated,omitempty" json:"deprecated,omitempty"`
	// Source is the file the check was loaded from (set by the loader).
	Source string `yaml:"-" json:"source,omitempty"`
}

// AppliesTo reports whether the check runs on assets of platform p.
func (c *Check) AppliesTo(p string) bool {
	if len(c.Platforms) == 0 {
		return true
	}
	for _, x := range c.Platforms {
		if x == p {
			return true
		}
	}
	return false
}

// IsChain reports whether the check combines other checks.
func (c *Check) IsChain() bool { return len(c.Requires) > 0 }

// Mitigation is a protection that, when it holds on an asset, scales the
// score weight of the checks that name it.
type Mitigation struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Kind        Kind   `yaml:"kind" json:"kind"`
	Description string `yaml:"description" json:"description"`
	// Condition is a CEL expression that is true when the mitigation holds.
	Condition string `yaml:"condition" json:"condition"`
	// Factor multiplies the weight of each defused finding (0 ≤ Factor < 1).
	Factor float64 `yaml:"factor" json:"factor"`
}
