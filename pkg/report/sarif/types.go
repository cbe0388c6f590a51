package sarif

import (
	"encoding/json"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// The subset of the SARIF 2.1.0 object model isoaudit writes, in the
// spec's property names. Field order is the output order.

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool        tool           `json:"tool"`
	Invocations []invocation   `json:"invocations"`
	Results     []result       `json:"results"`
	Properties  map[string]any `json:"properties"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     message        `json:"shortDescription"`
	FullDescription      message        `json:"fullDescription"`
	Help                 message        `json:"help"`
	DefaultConfiguration configuration  `json:"defaultConfiguration"`
	Properties           ruleProperties `json:"properties"`

	severity audit.Severity // the highest seen, for merging
}

type configuration struct {
	Level string `json:"level"`
}

type ruleProperties struct {
	Tags             []string `json:"tags"`
	Precision        string   `json:"precision"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
}

type message struct {
	Text string `json:"text"`
}

type invocation struct {
	ExecutionSuccessful bool           `json:"executionSuccessful"`
	Notifications       []notification `json:"toolExecutionNotifications"`
}

type notification struct {
	Level      string     `json:"level"`
	Message    message    `json:"message"`
	Descriptor *reference `json:"associatedRule,omitempty"`
}

type reference struct {
	ID string `json:"id"`
}

type result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             message           `json:"message"`
	Locations           []location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []suppression     `json:"suppressions,omitempty"`
	Properties          resultProperties  `json:"properties"`
}

type location struct {
	PhysicalLocation physicalLocation  `json:"physicalLocation"`
	LogicalLocations []logicalLocation `json:"logicalLocations"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           region           `json:"region"`
}

type artifactLocation struct {
	URI string `json:"uri"`
}

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type logicalLocation struct {
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
}

type suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

type resultProperties struct {
	FindingID string     `json:"finding_id"`
	AssetID   string     `json:"asset_id"`
	Status    string     `json:"status"`
	Severity  string     `json:"severity"`
	Evidence  []evidence `json:"evidence"`
}

type evidence struct {
	Path     string          `json:"path"`
	Actual   json.RawMessage `json:"actual"`
	Expected string          `json:"expected"`
}
