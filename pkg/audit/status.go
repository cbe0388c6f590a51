package audit

// Status is the outcome of one check on one asset.
type Status string

// The statuses. Unknown is never a pass: it says the collector could not
// see what the check needs (for example a password on a read-only
// connection, or host facts missing from an offline inspect file).
const (
	StatusFail    Status = "fail"
	StatusPass    Status = "pass"
	StatusUnknown Status = "unknown"
	StatusWaived  Status = "waived"
	StatusError   Status = "error"
)

// Statuses lists every status in report order.
func Statuses() []Status {
	return []Status{StatusFail, StatusPass, StatusUnknown, StatusWaived, StatusError}
}
