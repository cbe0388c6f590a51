//go:build goexperiment.jsonv2

package imagescan

// Test helpers shared with the external test package (cli_live_test.go),
// which imports internal/cli and so cannot live in package imagescan.
var (
	WriteFixtureDB = writeFixtureDB
	AlpineFiles    = alpineFiles
	FindingsOf     = findingsOf
	EvidenceText   = evidenceText
)

const (
	FixtureCVE   = fixtureCVE
	FixtureFixed = fixtureFixed
	FakeKeyBody  = fakeKeyBody
)
