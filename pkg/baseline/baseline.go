// Package baseline compares a scan with an older JSON report by stable
// finding id, so pipelines can gate on regressions only.
package baseline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Baseline is the set of failures recorded in an older report.
type Baseline struct {
	File      string
	SHA256    string
	CreatedAt string
	failures  map[string]oldFinding
	order     []string // failure ids in the old report's order
}

// oldFinding is the part of a saved finding a comparison needs.
type oldFinding struct {
	ID       string         `json:"id"`
	CheckID  string         `json:"check_id"`
	AssetID  string         `json:"asset_id"`
	Status   audit.Status   `json:"status"`
	Severity audit.Severity `json:"severity"`
	Title    string         `json:"title"`
}

type oldReport struct {
	SchemaVersion string       `json:"schema_version"`
	CreatedAt     string       `json:"created_at"`
	Findings      []oldFinding `json:"findings"`
}

// Load reads a JSON report written by isoaudit (schema_version 1.x).
func Load(file string) (*Baseline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	return Parse(data, file)
}

// Parse reads a saved JSON report's bytes. Only the failures (failed or
// waived findings) matter: they are what a later scan can repeat.
func Parse(data []byte, file string) (*Baseline, error) {
	var old oldReport
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&old); err != nil {
		return nil, fmt.Errorf("baseline %s: not an isoaudit JSON report: %w", file, err)
	}
	if !strings.HasPrefix(old.SchemaVersion, "1.") {
		return nil, fmt.Errorf("baseline %s: schema_version %q: this isoaudit reads 1.x (write the baseline with -o json=FILE)", file, old.SchemaVersion)
	}
	sum := sha256.Sum256(data)
	b := &Baseline{File: file, SHA256: hex.EncodeToString(sum[:]), CreatedAt: old.CreatedAt, failures: map[string]oldFinding{}}
	for i, f := range old.Findings {
		if len(f.ID) != 64 || f.CheckID == "" {
			return nil, fmt.Errorf("baseline %s: findings[%d]: no stable id or check_id", file, i)
		}
		if !failure(f.Status) {
			continue
		}
		if _, dup := b.failures[f.ID]; !dup {
			b.order = append(b.order, f.ID)
		}
		b.failures[f.ID] = f
	}
	return b, nil
}

func failure(s audit.Status) bool { return s == audit.StatusFail || s == audit.StatusWaived }

// Compare marks every failed or waived finding of r new or unchanged and
// sets r.Baseline, listing the old failures that r no longer has.
func (b *Baseline) Compare(r *audit.Report) {
	out := &audit.BaselineReport{File: b.File, SHA256: b.SHA256, CreatedAt: b.CreatedAt, Resolved: []audit.ResolvedFinding{}}
	still := make(map[string]bool, len(b.failures))
	for i := range r.Findings.Len() {
		if !failure(r.Findings.Status(i)) {
			continue
		}
		f := r.Findings.At(i)
		if _, ok := b.failures[f.ID]; ok {
			f.Baseline = audit.BaselineUnchanged
			out.Unchanged++
			still[f.ID] = true
		} else {
			f.Baseline = audit.BaselineNew
			out.New++
		}
		r.Findings.Set(i, f)
	}
	present := make(map[string]bool, len(r.Assets))
	for _, a := range r.Assets {
		present[a.ID] = true
	}
	for _, id := range b.order {
		if still[id] {
			continue
		}
		f := b.failures[id]
		out.Resolved = append(out.Resolved, audit.ResolvedFinding{ID: f.ID, CheckID: f.CheckID, AssetID: f.AssetID,
			Severity: f.Severity, Title: f.Title, AssetPresent: present[f.AssetID]})
	}
	r.Baseline = out
}
