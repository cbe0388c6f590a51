package audit

// Evidence is one observed fact behind a finding: the field read, the value
// seen and the value a safe asset has. Actual is never a secret value.
type Evidence struct {
	Path     string `json:"path"`
	Actual   any    `json:"actual"`
	Expected string `json:"expected"`
}

// AppliedMitigation records a mitigation that held on the asset and the
// factor it applied to the finding's weight.
type AppliedMitigation struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Factor float64 `json:"factor"`
}

// Finding is the result of one check on one asset.
type Finding struct {
	// ID is stable: a hash of check id, host and asset name.
	ID          string              `json:"id"`
	CheckID     string              `json:"check_id"`
	AssetID     string              `json:"asset_id"`
	Status      Status              `json:"status"`
	Severity    Severity            `json:"severity"`
	Title       string              `json:"title"`
	Message     string              `json:"message,omitempty"` // why unknown/error
	Evidence    []Evidence          `json:"evidence"`
	Remediation string              `json:"remediation"`
	References  []string            `json:"references"`
	Tags        []string            `json:"tags,omitempty"`
	Chain       []string            `json:"chain,omitempty"`
	Mitigations []AppliedMitigation `json:"mitigations,omitempty"`
	// Weight is the finding's share in the asset's noisy-OR risk after
	// mitigations (0 unless Status is fail).
	Weight float64 `json:"weight"`
	// Waiver is the id of the waiver that accepted this failure (status
	// waived), "" otherwise.
	Waiver string `json:"waiver,omitempty"`
	// Baseline is BaselineNew or BaselineUnchanged for a failed or waived
	// finding when the scan was compared with a baseline, "" otherwise.
	Baseline string `json:"baseline,omitempty"`
}
