package audit

import "time"

// SchemaVersion is the version of the JSON report contract. Additive
// changes keep it; breaking ones bump it.
const SchemaVersion = "1.0"

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source is one place assets were read from and whether reading it worked.
type Source struct {
	Kind     string `json:"kind"` // docker, inspect-file…
	Endpoint string `json:"endpoint"`
	Status   string `json:"status"` // ok, error, skipped
	Error    string `json:"error,omitempty"`
	Assets   int    `json:"assets"`
	// Notes are non-fatal remarks (a container removed during the scan).
	Notes []string `json:"notes,omitempty"`
}

// Source statuses.
const (
	SourceOK      = "ok"
	SourceError   = "error"
	SourceSkipped = "skipped"
)

// ScanError is a problem that lost part of the results.
type ScanError struct {
	Source  string `json:"source"`
	AssetID string `json:"asset_id,omitempty"`
	Message string `json:"message"`
}

// AssetResult is an asset as reported, with its score. It points to the
// collected asset rather than copying it; Asset is never nil in a report.
// A scan releases the asset's normalized document (Container, VM) once
// its checks ran: no output carries it, and a fleet's documents would
// outweigh the rest of the report.
type AssetResult struct {
	*Asset
	// Host is the name of the machine the asset runs on ("" when an
	// offline source does not say), for grouping assets by host.
	Host  string  `json:"host"`
	Risk  float64 `json:"risk"`
	Grade string  `json:"grade"`
}

// Summary aggregates the report for dashboards and gates.
type Summary struct {
	Assets     int            `json:"assets"`
	MaxRisk    float64        `json:"max_risk"`
	MeanRisk   float64        `json:"mean_risk"`
	BySeverity map[string]int `json:"by_severity"` // failed findings only
	ByStatus   map[string]int `json:"by_status"`
	ByGrade    map[string]int `json:"by_grade"`
	Gate       *GateResult    `json:"gate,omitempty"`
}

// GateResult says whether the configured gate tripped and why.
type GateResult struct {
	Result  string   `json:"result"` // pass, fail, not_evaluated
	Reasons []string `json:"reasons"`
}

// Report is the complete result of one scan; every output format is a
// projection of it.
type Report struct {
	SchemaVersion string        `json:"schema_version"`
	Tool          Tool          `json:"tool"`
	CreatedAt     time.Time     `json:"created_at"`
	Sources       []Source      `json:"sources"`
	Assets        []AssetResult `json:"assets"`
	Findings      Findings      `json:"findings"`
	Summary       Summary       `json:"summary"`
	Errors        []ScanError   `json:"errors"`
	// Waivers is set when a waiver file was applied (--waivers).
	Waivers *WaiverReport `json:"waivers,omitempty"`
	// Baseline is set when the scan was compared with an older report.
	Baseline *BaselineReport `json:"baseline,omitempty"`
	// Policy is set when a policy was chosen with --policy.
	Policy *PolicyReport `json:"policy,omitempty"`
}

// Incomplete reports whether some source could not be read.
func (r *Report) Incomplete() bool {
	for _, s := range r.Sources {
		if s.Status == SourceError {
			return true
		}
	}
	return len(r.Errors) > 0
}
