package audit

// WaiverReport records the waiver file a scan applied and what became of
// each of its entries, so an auditor can tell which exceptions were in
// force and which have lapsed.
type WaiverReport struct {
	// File is the path given to --waivers; SHA256 is the hex digest of its
	// bytes, so the report names exactly which approvals it relied on.
	File    string         `json:"file"`
	SHA256  string         `json:"sha256"`
	Entries []WaiverResult `json:"entries"`
}

// Waiver entry statuses.
const (
	WaiverApplied   = "applied"   // it waived at least one failed finding
	WaiverExpired   = "expired"   // its date has passed: it waived nothing
	WaiverUnmatched = "unmatched" // in force, but no failed finding matched it
)

// WaiverResult is the outcome of one waiver entry in one scan.
type WaiverResult struct {
	ID       string `json:"id"`
	CheckID  string `json:"check_id"`
	Status   string `json:"status"`
	Expires  string `json:"expires"` // YYYY-MM-DD, the last day it applies
	Approver string `json:"approver"`
	// Findings counts the failed findings it waived (applied) or would
	// have waived had it not expired (expired).
	Findings int `json:"findings"`
}

// Baseline states of a failed or waived finding against an older report.
const (
	BaselineNew       = "new"
	BaselineUnchanged = "unchanged"
)

// BaselineReport compares a scan with an older report by stable finding
// id: how many failures are new or unchanged, and which have been
// resolved (they failed before and do not now).
type BaselineReport struct {
	File      string            `json:"file"`
	SHA256    string            `json:"sha256"`
	CreatedAt string            `json:"created_at"` // the old report's created_at
	New       int               `json:"new"`
	Unchanged int               `json:"unchanged"`
	Resolved  []ResolvedFinding `json:"resolved"`
}

// ResolvedFinding is a failure of the old report that is no longer one:
// its check now passes, or its asset is gone (AssetPresent false).
type ResolvedFinding struct {
	ID           string   `json:"id"`
	CheckID      string   `json:"check_id"`
	AssetID      string   `json:"asset_id"`
	Severity     Severity `json:"severity"`
	Title        string   `json:"title"`
	AssetPresent bool     `json:"asset_present"`
}

// PolicyReport records the policy a scan applied (--policy) and, for a
// benchmark policy, the verdict on each control.
type PolicyReport struct {
	Name      string          `json:"name"`
	File      string          `json:"file"`
	SHA256    string          `json:"sha256"`
	Framework string          `json:"framework,omitempty"`
	Controls  []ControlResult `json:"controls"`
}

// Control verdicts, worst first.
const (
	ControlFail          = "fail"
	ControlUnknown       = "unknown" // no failure, but some check could not tell
	ControlWaived        = "waived"  // every failure is waived
	ControlPass          = "pass"
	ControlNotApplicable = "not_applicable" // none of its checks ran
)

// ControlResult is one control's verdict over every asset: the worst
// status of the findings of its checks.
type ControlResult struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Checks []string `json:"checks"`
	Status string   `json:"status"`
	// Failed counts its failed findings; Assets lists the ids of the
	// assets they are on, sorted.
	Failed int      `json:"failed"`
	Assets []string `json:"assets"`
}
