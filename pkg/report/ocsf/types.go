package ocsf

import "encoding/json"

// The attributes of OCSF 1.3 Compliance Finding that isoaudit fills, with
// OCSF's names; field order is the output order.

type event struct {
	ActivityID   int          `json:"activity_id"`
	ActivityName string       `json:"activity_name"`
	CategoryUID  int          `json:"category_uid"`
	CategoryName string       `json:"category_name"`
	ClassUID     int          `json:"class_uid"`
	ClassName    string       `json:"class_name"`
	TypeUID      int          `json:"type_uid"`
	TypeName     string       `json:"type_name"`
	SeverityID   int          `json:"severity_id"`
	Severity     string       `json:"severity"`
	StatusID     int          `json:"status_id"`
	Status       string       `json:"status"`
	Time         int64        `json:"time"`
	Message      string       `json:"message"`
	Metadata     metadata     `json:"metadata"`
	FindingInfo  findingInfo  `json:"finding_info"`
	Compliance   compliance   `json:"compliance"`
	Resources    []resource   `json:"resources"`
	Remediation  *remediation `json:"remediation,omitempty"`
	Unmapped     unmapped     `json:"unmapped"`
}

type metadata struct {
	Version string  `json:"version"`
	LogName string  `json:"log_name"`
	Product product `json:"product"`
}

type product struct {
	Name       string `json:"name"`
	UID        string `json:"uid"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version"`
}

type findingInfo struct {
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	Types       []string `json:"types"`
	CreatedTime int64    `json:"created_time"`
	Analytic    analytic `json:"analytic"`
}

type analytic struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type compliance struct {
	Standards    []string `json:"standards"`
	Control      string   `json:"control,omitempty"`
	StatusID     int      `json:"status_id"`
	Status       string   `json:"status"`
	StatusDetail string   `json:"status_detail,omitempty"`
}

type resource struct {
	UID    string       `json:"uid"`
	Name   string       `json:"name"`
	Type   string       `json:"type"`
	Labels []string     `json:"labels"`
	Data   resourceData `json:"data"`
}

// resourceData is the asset as the report describes it (OCSF "data" is
// free-form JSON).
type resourceData struct {
	Host     string  `json:"host"`
	Platform string  `json:"platform"`
	Kind     string  `json:"kind"`
	Source   string  `json:"source"`
	Risk     float64 `json:"risk"`
	Grade    string  `json:"grade"`
}

type remediation struct {
	Desc       string   `json:"desc"`
	References []string `json:"references"`
}

type unmapped struct {
	Isoaudit isoaudit `json:"isoaudit"`
}

// isoaudit carries what OCSF has no attribute for: the native status,
// the weight in the asset's risk, the structured evidence and the chain.
type isoaudit struct {
	Status   string     `json:"status"`
	Weight   float64    `json:"weight"`
	Evidence []evidence `json:"evidence"`
	Chain    []string   `json:"chain"`
}

type evidence struct {
	Path     string          `json:"path"`
	Actual   json.RawMessage `json:"actual"`
	Expected string          `json:"expected"`
}
