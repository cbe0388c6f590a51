package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"

	"github.com/google/cel-go/cel"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

// Engine holds a catalog compiled once. It is immutable and safe for
// concurrent use: Evaluate may run on many assets at the same time.
type Engine struct {
	byKind      map[audit.Kind][]*compiledCheck // in chain order
	mitigations map[string]*compiledMitigation
	concurrency int
}

type compiledCheck struct {
	check    *audit.Check
	cond     cel.Program
	unknown  cel.Program // nil when the check has no unknown_when
	evidence []cel.Program
}

type compiledMitigation struct {
	m    *audit.Mitigation
	cond cel.Program
}

// Option configures an Engine.
type Option func(*Engine)

// WithConcurrency bounds how many assets are evaluated at once
// (default GOMAXPROCS).
func WithConcurrency(n int) Option {
	return func(e *Engine) {
		if n > 0 {
			e.concurrency = n
		}
	}
}

// New compiles every expression of the catalog. Any expression that does
// not compile, or a condition that is not boolean, is an error naming the
// check.
func New(cat *catalog.Catalog, opts ...Option) (*Engine, error) {
	env, err := NewEnv()
	if err != nil {
		return nil, fmt.Errorf("create cel environment: %w", err)
	}
	e := &Engine{byKind: map[audit.Kind][]*compiledCheck{}, mitigations: map[string]*compiledMitigation{},
		concurrency: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(e)
	}
	for _, m := range cat.Mitigations {
		prg, err := compile(env, "mitigation "+m.ID, "condition", m.Condition, true)
		if err != nil {
			return nil, err
		}
		e.mitigations[m.ID] = &compiledMitigation{m: m, cond: prg}
	}
	ordered, err := cat.ChainOrder()
	if err != nil {
		return nil, err
	}
	for _, chk := range ordered {
		if chk.Deprecated {
			continue
		}
		cc, err := compileCheck(env, chk)
		if err != nil {
			return nil, err
		}
		e.byKind[chk.Kind] = append(e.byKind[chk.Kind], cc)
	}
	return e, nil
}

func compileCheck(env *cel.Env, chk *audit.Check) (*compiledCheck, error) {
	owner := fmt.Sprintf("check %s (%s)", chk.ID, chk.Source)
	cc := &compiledCheck{check: chk}
	var err error
	if cc.cond, err = compile(env, owner, "condition", chk.Condition, true); err != nil {
		return nil, err
	}
	if chk.UnknownWhen != "" {
		if cc.unknown, err = compile(env, owner, "unknown_when", chk.UnknownWhen, true); err != nil {
			return nil, err
		}
	}
	for i, ev := range chk.Evidence {
		prg, err := compile(env, owner, fmt.Sprintf("evidence %d value", i+1), ev.Value, false)
		if err != nil {
			return nil, err
		}
		cc.evidence = append(cc.evidence, prg)
	}
	return cc, nil
}

// Evaluate runs every applicable check on every asset, at most
// WithConcurrency assets at a time. The result is indexed like assets;
// each asset's findings are in chain order (atomic checks by id, each
// chain after the checks it requires). Cancelling ctx stops evaluation of
// assets not yet started; their slots stay nil.
func (e *Engine) Evaluate(ctx context.Context, assets []audit.Asset) [][]audit.Finding {
	out := make([][]audit.Finding, len(assets))
	sem := make(chan struct{}, e.concurrency)
	var wg sync.WaitGroup
	for i := range assets {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			out[i] = e.EvaluateAsset(&assets[i])
		}(i)
	}
	wg.Wait()
	return out
}

// EvaluateAsset runs the checks of the asset's kind on one asset.
func (e *Engine) EvaluateAsset(a *audit.Asset) []audit.Finding {
	checks := e.byKind[a.Kind]
	vars := activation(a)
	// failed holds every check evaluated so far (true when it failed), so
	// a chain can read failed['ID'] of any check it requires.
	failed := make(map[string]bool, len(checks))
	vars[VarFailed] = failed
	findings := make([]audit.Finding, 0, len(checks))
	for _, cc := range checks {
		f := e.evaluate(cc, a, vars)
		failed[cc.check.ID] = f.Status == audit.StatusFail
		findings = append(findings, f)
	}
	return findings
}

func activation(a *audit.Asset) map[string]any {
	vars := map[string]any{VarHost: &a.Host}
	if a.Container != nil {
		vars[VarContainer] = a.Container
	}
	return vars
}

func (e *Engine) evaluate(cc *compiledCheck, a *audit.Asset, vars map[string]any) audit.Finding {
	chk := cc.check
	f := audit.Finding{
		ID: FindingID(chk.ID, a.Host.Hostname, a.Name), CheckID: chk.ID, AssetID: a.ID,
		Severity: chk.Severity, Title: chk.Title, Remediation: chk.Remediation,
		References: chk.References.All(), Tags: chk.Tags, Evidence: []audit.Evidence{},
	}
	if cc.unknown != nil {
		unknown, err := evalBool(cc.unknown, vars)
		if err != nil {
			return errored(f, "unknown_when", err)
		}
		if unknown {
			f.Status, f.Message = audit.StatusUnknown, chk.UnknownReason
			return f
		}
	}
	fail, err := evalBool(cc.cond, vars)
	if err != nil {
		return errored(f, "condition", err)
	}
	if !fail {
		f.Status = audit.StatusPass
		return f
	}
	f.Status = audit.StatusFail
	f.Evidence = evidence(cc, vars)
	if chk.IsChain() {
		failed := vars[VarFailed].(map[string]bool)
		for _, r := range chk.Requires {
			if failed[r] {
				f.Chain = append(f.Chain, r)
			}
		}
	}
	f.Mitigations = e.heldMitigations(chk, vars)
	return f
}

func (e *Engine) heldMitigations(chk *audit.Check, vars map[string]any) []audit.AppliedMitigation {
	var held []audit.AppliedMitigation
	for _, id := range chk.MitigatedBy {
		m := e.mitigations[id]
		if ok, err := evalBool(m.cond, vars); err == nil && ok {
			held = append(held, audit.AppliedMitigation{ID: m.m.ID, Title: m.m.Title, Factor: m.m.Factor})
		}
	}
	return held
}

func evidence(cc *compiledCheck, vars map[string]any) []audit.Evidence {
	out := make([]audit.Evidence, 0, len(cc.evidence))
	for i, prg := range cc.evidence {
		spec := cc.check.Evidence[i]
		var actual any
		val, _, err := prg.Eval(vars)
		if err != nil {
			actual = "evaluation error: " + err.Error()
		} else {
			actual = toNative(val)
		}
		out = append(out, audit.Evidence{Path: spec.Path, Actual: actual, Expected: spec.Expected})
	}
	return out
}

func errored(f audit.Finding, field string, err error) audit.Finding {
	f.Status = audit.StatusError
	f.Message = fmt.Sprintf("evaluate %s: %v", field, err)
	return f
}

func evalBool(prg cel.Program, vars map[string]any) (bool, error) {
	val, _, err := prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := val.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %s, want bool", val.Type().TypeName())
	}
	return b, nil
}

// FindingID is the stable identity of a finding: the SHA-256 of check id,
// host and asset name, so it survives container restarts and re-creation.
func FindingID(checkID, host, assetName string) string {
	sum := sha256.Sum256([]byte(checkID + "\x00" + host + "\x00" + assetName))
	return hex.EncodeToString(sum[:])
}
