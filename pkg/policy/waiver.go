package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Selector says which assets a waiver covers. Every field that is set
// must match; Asset, Image and Host are shell globs (path.Match), Labels
// must all be present with equal values. At least one field is required,
// so a waiver never covers the whole fleet by omission.
type Selector struct {
	Asset  string            `yaml:"asset"`  // asset name, e.g. "ci-runner-*"
	Labels map[string]string `yaml:"labels"` // asset labels
	Image  string            `yaml:"image"`  // container image reference as configured
	Host   string            `yaml:"host"`   // host name of the machine the asset runs on
}

// Waiver is an approved, time-limited exception: failures of Check on the
// assets Selector matches are reported as waived until the end of Expires
// (UTC).
type Waiver struct {
	ID       string   `yaml:"id"`
	Check    string   `yaml:"check"`
	Selector Selector `yaml:"selector"`
	Reason   string   `yaml:"reason"`
	Approver string   `yaml:"approver"`
	Expires  string   `yaml:"expires"` // YYYY-MM-DD, the last day it applies
	// expiresAt is the first instant the waiver no longer applies.
	expiresAt time.Time
}

// Waivers is a parsed waiver file.
type Waivers struct {
	File    string
	SHA256  string // hex digest of the file's bytes
	Entries []Waiver
}

type waiverFile struct {
	Waivers []Waiver `yaml:"waivers"`
}

var checkIDPattern = regexp.MustCompile(`^[A-Z]+(-[A-Z0-9]+)*-[0-9]{3}$`)

// LoadWaivers reads and validates a waiver file.
func LoadWaivers(file string) (*Waivers, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	return ParseWaivers(data, file)
}

// ParseWaivers validates a waiver file's bytes strictly: unknown keys,
// missing fields, bad dates and globs, and duplicate ids are all errors,
// reported together as a *FileError with their lines.
func ParseWaivers(data []byte, file string) (*Waivers, error) {
	var wf waiverFile
	root, ps, err := decodeStrict(data, file, &wf)
	if err != nil {
		return nil, err
	}
	list := mappingValue(root, "waivers")
	if list == nil || list.Kind != yaml.SequenceNode || len(wf.Waivers) == 0 {
		if len(ps) == 0 {
			ps.Add(root.Line, "no waivers: the file needs a 'waivers:' list with at least one entry")
		}
		return nil, ps.Err(file)
	}
	seen := map[string]int{}
	for i := range wf.Waivers {
		w, n := &wf.Waivers[i], list.Content[i]
		w.validate(n, &ps)
		if first, dup := seen[w.ID]; dup && w.ID != "" {
			ps.Add(lineOf(n, "id"), "waiver id %q already used on line %d", w.ID, first)
		} else {
			seen[w.ID] = lineOf(n, "id")
		}
	}
	if err := ps.Err(file); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &Waivers{File: file, SHA256: hex.EncodeToString(sum[:]), Entries: wf.Waivers}, nil
}

func (w *Waiver) validate(n *yaml.Node, ps *problems) {
	for _, f := range []struct{ key, val string }{
		{"id", w.ID}, {"check", w.Check}, {"reason", w.Reason}, {"approver", w.Approver}, {"expires", w.Expires},
	} {
		if f.val == "" {
			ps.Add(n.Line, "waiver %s: %s is required", w.label(), f.key)
		}
	}
	if w.Check != "" && !checkIDPattern.MatchString(w.Check) {
		ps.Add(lineOf(n, "check"), "waiver %s: check %q is not a check id (like CE-PRIV-001)", w.label(), w.Check)
	}
	if w.Expires != "" {
		d, err := time.Parse(time.DateOnly, w.Expires)
		if err != nil {
			ps.Add(lineOf(n, "expires"), "waiver %s: expires %q is not a date (YYYY-MM-DD)", w.label(), w.Expires)
		}
		w.expiresAt = d.AddDate(0, 0, 1)
	}
	s := w.Selector
	sel := mappingValue(n, "selector")
	if s.Asset == "" && s.Image == "" && s.Host == "" && len(s.Labels) == 0 {
		ps.Add(lineOf(n, "selector"), "waiver %s: selector needs at least one of asset, labels, image, host (use asset: \"*\" to mean every asset)", w.label())
	}
	for _, g := range []struct{ key, pattern string }{{"asset", s.Asset}, {"image", s.Image}, {"host", s.Host}} {
		if _, err := path.Match(g.pattern, ""); err != nil {
			ps.Add(lineOf(sel, g.key), "waiver %s: selector %s %q is not a valid glob", w.label(), g.key, g.pattern)
		}
	}
}

func (w *Waiver) label() string {
	if w.ID == "" {
		return "(no id)"
	}
	return w.ID
}

// Expired reports whether the waiver no longer applies at now.
func (w *Waiver) Expired(now time.Time) bool { return !now.Before(w.expiresAt) }

// Matches reports whether the waiver's selector covers asset a. A glob
// that names a field the asset lacks (an image on a VM) does not match.
func (s Selector) Matches(a *audit.Asset) bool {
	if s.Asset != "" && !glob(s.Asset, a.Name) {
		return false
	}
	if s.Host != "" && !glob(s.Host, a.HostName()) {
		return false
	}
	if s.Image != "" && (a.Container == nil || !glob(s.Image, a.Container.Image.Ref)) {
		return false
	}
	for k, v := range s.Labels {
		if got, ok := a.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func glob(pattern, s string) bool {
	ok, _ := path.Match(pattern, s) // patterns are validated on load
	return ok
}

// WaiverRun applies a waiver file to the findings of one scan and keeps
// count of what each entry did. It is not safe for concurrent use.
type WaiverRun struct {
	w     *Waivers
	now   time.Time
	count []int
}

// Start begins applying the waivers at time now (the scan's clock).
func (ws *Waivers) Start(now time.Time) *WaiverRun {
	return &WaiverRun{w: ws, now: now, count: make([]int, len(ws.Entries))}
}

// Apply marks the failed findings of asset a that a waiver in force covers
// as waived (the first matching entry in file order wins), and notes on
// failed findings that an expired waiver would have covered. Call it
// before scoring: waived findings carry no weight.
func (r *WaiverRun) Apply(a *audit.Asset, findings []audit.Finding) {
	for i := range findings {
		f := &findings[i]
		if f.Status != audit.StatusFail {
			continue
		}
		for j := range r.w.Entries {
			w := &r.w.Entries[j]
			if w.Check != f.CheckID || !w.Selector.Matches(a) {
				continue
			}
			r.count[j]++
			if w.Expired(r.now) {
				if f.Message == "" {
					f.Message = fmt.Sprintf("waiver %s expired after %s", w.ID, w.Expires)
				}
				continue
			}
			f.Status, f.Waiver = audit.StatusWaived, w.ID
			f.Message = fmt.Sprintf("waiver %s (approved by %s until %s): %s", w.ID, w.Approver, w.Expires, w.Reason)
			break
		}
	}
}

// Report says what each entry did: applied, expired or unmatched.
func (r *WaiverRun) Report() *audit.WaiverReport {
	out := &audit.WaiverReport{File: r.w.File, SHA256: r.w.SHA256, Entries: make([]audit.WaiverResult, len(r.w.Entries))}
	for j, w := range r.w.Entries {
		st := audit.WaiverApplied
		switch {
		case w.Expired(r.now):
			st = audit.WaiverExpired
		case r.count[j] == 0:
			st = audit.WaiverUnmatched
		}
		out.Entries[j] = audit.WaiverResult{ID: w.ID, CheckID: w.Check, Status: st, Expires: w.Expires,
			Approver: w.Approver, Findings: r.count[j]}
	}
	return out
}
