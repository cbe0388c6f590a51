package audit

import (
	"encoding/json"
	"iter"
	"slices"
)

// Findings is a report's findings, in order, stored compactly. Findings
// of one check differ little from asset to asset: AppendAsset keeps the
// check's part (id, title, severity, remediation, references, tags) once
// per check in a shared prototype, so a pass or an unknown costs a
// 16-byte slot, and a failure its slot plus the fields it holds of its
// own (status, message, evidence, chain, mitigations, weight, waiver,
// baseline mark); its stable id is derived from the asset when it is
// read. At rebuilds the whole finding. A 10,000-container scan holds
// 680,000 findings: whole, they were most of its memory.
//
// The zero value is an empty list ready to use. Copies of a Findings
// share storage; use one copy.
type Findings struct {
	slots  chunked[findingSlot]
	owns   chunked[ownFields]
	whole  chunked[Finding]
	assets []findingAsset
	// protos holds the prototypes, by check part and by outcome.
	protos map[protoKey]*Finding
}

// findingSlot is one finding: whole[idx] when proto is nil; else the
// prototype completed by assets[idx] and, when own >= 0, owns[own].
type findingSlot struct {
	proto *Finding
	idx   int32
	own   int32
}

// ownFields are the fields of a finding that are its own rather than its
// check's.
type ownFields struct {
	Status      Status
	Message     string
	Evidence    []Evidence
	Chain       []string
	Mitigations []AppliedMitigation
	Weight      float64
	Waiver      string
	Baseline    string
}

func ownOf(f *Finding) ownFields {
	return ownFields{Status: f.Status, Message: f.Message, Evidence: f.Evidence, Chain: f.Chain,
		Mitigations: f.Mitigations, Weight: f.Weight, Waiver: f.Waiver, Baseline: f.Baseline}
}

func (o *ownFields) apply(f *Finding) {
	f.Status, f.Message, f.Evidence, f.Chain = o.Status, o.Message, o.Evidence, o.Chain
	f.Mitigations, f.Weight, f.Waiver, f.Baseline = o.Mitigations, o.Weight, o.Waiver, o.Baseline
}

// plain reports whether the finding's own fields hold nothing beyond a
// status and a message, so the finding can share a prototype whole.
func (o *ownFields) plain() bool {
	return len(o.Evidence) == 0 && len(o.Chain) == 0 && len(o.Mitigations) == 0 && o.Weight == 0 && o.Waiver == "" && o.Baseline == ""
}

// findingAsset is what a compact finding takes from its asset: its id and
// the inputs of its stable finding id.
type findingAsset struct {
	id, host, name string
}

// protoKey identifies a prototype. Outcome prototypes (outcome true) also
// carry the status and message every plain finding of that outcome
// shares; check prototypes only the check's part.
type protoKey struct {
	checkID  string
	severity Severity
	outcome  bool
	status   Status
	message  string
}

// NewFindings returns a list holding fs, each stored whole.
func NewFindings(fs ...Finding) Findings {
	var out Findings
	out.Append(fs...)
	return out
}

// Len returns the number of findings.
func (fs *Findings) Len() int { return fs.slots.n }

// Append adds findings stored whole, ids as given.
func (fs *Findings) Append(f ...Finding) {
	for i := range f {
		fs.slots.add(findingSlot{idx: fs.whole.add(f[i])})
	}
}

// AppendAsset adds the findings of one asset. Their AssetID becomes a.ID
// and their ID the stable FindingID of check, host and asset name,
// whatever they held before.
func (fs *Findings) AppendAsset(a *Asset, f []Finding) {
	ai := int32(len(fs.assets))
	fs.assets = append(fs.assets, findingAsset{id: a.ID, host: a.HostName(), name: a.Name})
	for i := range f {
		fs.slots.add(fs.slotFor(&f[i], ai))
	}
}

// slotFor stores f as a finding of asset ai.
func (fs *Findings) slotFor(f *Finding, ai int32) findingSlot {
	own := ownOf(f)
	if own.plain() {
		if p := fs.prototype(f, true); p != nil {
			return findingSlot{proto: p, idx: ai, own: -1}
		}
	}
	if p := fs.prototype(f, false); p != nil {
		return findingSlot{proto: p, idx: ai, own: fs.owns.add(own)}
	}
	w := *f
	a := &fs.assets[ai]
	w.AssetID, w.ID = a.id, FindingID(w.CheckID, a.host, a.name)
	return findingSlot{idx: fs.whole.add(w)}
}

// prototype returns the prototype f shares, making it when f is the
// first of its kind, or nil when f's check part differs from the
// prototype's (a policy renamed nothing the key holds, yet the title
// differs): such a finding is stored whole.
func (fs *Findings) prototype(f *Finding, outcome bool) *Finding {
	key := protoKey{checkID: f.CheckID, severity: f.Severity, outcome: outcome}
	if outcome {
		key.status, key.message = f.Status, f.Message
	}
	if p, ok := fs.protos[key]; ok {
		if p.Title == f.Title && p.Remediation == f.Remediation && slices.Equal(p.References, f.References) &&
			slices.Equal(p.Tags, f.Tags) && sameNil(p, f, outcome) {
			return p
		}
		return nil
	}
	if fs.protos == nil {
		fs.protos = map[protoKey]*Finding{}
	}
	p := new(Finding)
	*p = *f
	p.ID, p.AssetID = "", ""
	if !outcome {
		own := ownFields{}
		own.apply(p)
	}
	fs.protos[key] = p
	return p
}

// sameNil reports whether the slices of the check part are nil in both
// findings, and for an outcome prototype the empty own slices too, so a
// rebuilt finding encodes exactly as it was given.
func sameNil(p, f *Finding, outcome bool) bool {
	return (p.References == nil) == (f.References == nil) && (p.Tags == nil) == (f.Tags == nil) &&
		(!outcome || ((p.Evidence == nil) == (f.Evidence == nil) && (p.Chain == nil) == (f.Chain == nil) &&
			(p.Mitigations == nil) == (f.Mitigations == nil)))
}

// At returns finding i, rebuilt whole.
func (fs *Findings) At(i int) Finding {
	s := fs.slots.at(int32(i))
	if s.proto == nil {
		return *fs.whole.at(s.idx)
	}
	f := *s.proto
	if s.own >= 0 {
		fs.owns.at(s.own).apply(&f)
	}
	a := &fs.assets[s.idx]
	f.AssetID, f.ID = a.id, FindingID(f.CheckID, a.host, a.name)
	return f
}

// Set replaces finding i. A finding of an asset that keeps its id and
// asset stays compact; any other is stored whole from then on.
func (fs *Findings) Set(i int, f Finding) {
	s := fs.slots.at(int32(i))
	if s.proto != nil {
		if a := &fs.assets[s.idx]; f.AssetID == a.id && f.ID == FindingID(f.CheckID, a.host, a.name) {
			*s = fs.slotFor(&f, s.idx)
			return
		}
		*s = findingSlot{idx: fs.whole.add(f)}
		return
	}
	*fs.whole.at(s.idx) = f
}

// Update changes finding i through fn (see Set).
func (fs *Findings) Update(i int, fn func(*Finding)) {
	f := fs.At(i)
	fn(&f)
	fs.Set(i, f)
}

// Status, Severity, CheckID, Evidence and AssetID read one field of
// finding i without rebuilding it (no id is computed): aggregations over
// every finding use them.
func (fs *Findings) Status(i int) Status {
	s := fs.slots.at(int32(i))
	switch {
	case s.proto == nil:
		return fs.whole.at(s.idx).Status
	case s.own >= 0:
		return fs.owns.at(s.own).Status
	}
	return s.proto.Status
}

// Severity returns the severity of finding i.
func (fs *Findings) Severity(i int) Severity { return fs.checkPart(i).Severity }

// CheckID returns the check id of finding i.
func (fs *Findings) CheckID(i int) string { return fs.checkPart(i).CheckID }

// checkPart is the stored finding, or the prototype, that holds the check's
// part of finding i.
func (fs *Findings) checkPart(i int) *Finding {
	s := fs.slots.at(int32(i))
	if s.proto != nil {
		return s.proto
	}
	return fs.whole.at(s.idx)
}

// Evidence returns the evidence of finding i (shared: do not modify).
func (fs *Findings) Evidence(i int) []Evidence {
	s := fs.slots.at(int32(i))
	switch {
	case s.proto == nil:
		return fs.whole.at(s.idx).Evidence
	case s.own >= 0:
		return fs.owns.at(s.own).Evidence
	}
	return s.proto.Evidence
}

// AssetID returns the asset id of finding i.
func (fs *Findings) AssetID(i int) string {
	s := fs.slots.at(int32(i))
	if s.proto != nil {
		return fs.assets[s.idx].id
	}
	return fs.whole.at(s.idx).AssetID
}

// All yields every finding, rebuilt, with its index.
func (fs *Findings) All() iter.Seq2[int, Finding] {
	return func(yield func(int, Finding) bool) {
		for i := range fs.Len() {
			if !yield(i, fs.At(i)) {
				return
			}
		}
	}
}

// Slice returns every finding, rebuilt, in a new slice (for small
// reports and tests: a large scan's findings do not fit in memory whole).
func (fs *Findings) Slice() []Finding {
	out := make([]Finding, 0, fs.Len())
	for _, f := range fs.All() {
		out = append(out, f)
	}
	return out
}

// MarshalJSON encodes the findings as a JSON array of Finding.
func (fs Findings) MarshalJSON() ([]byte, error) {
	return json.Marshal(fs.Slice())
}

// UnmarshalJSON decodes a JSON array of Finding, each stored whole.
func (fs *Findings) UnmarshalJSON(data []byte) error {
	var list []Finding
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*fs = NewFindings(list...)
	return nil
}

// chunkLen is the number of elements per block of a chunked list.
const chunkLen = 4096

// chunked is an append-only list stored in fixed blocks: growing it never
// copies what it holds (a doubling slice of 680,000 findings would hold
// the old and the new array at once).
type chunked[T any] struct {
	blocks [][]T
	n      int
}

func (c *chunked[T]) add(v T) int32 {
	if c.n%chunkLen == 0 {
		c.blocks = append(c.blocks, nil) // grows as a slice up to chunkLen
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
	return int32(c.n - 1)
}

func (c *chunked[T]) at(i int32) *T { return &c.blocks[i/chunkLen][i%chunkLen] }
