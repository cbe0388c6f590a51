package engine

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

// Engine holds a catalog compiled once. It is immutable and safe for
// concurrent use: Evaluate may run on many assets at the same time.
type Engine struct {
	byKind      map[audit.Kind][]*compiledCheck // in chain order
	mitigations map[string]*compiledMitigation
	concurrency int
	precompiled Precompiled
	kinds       []audit.Kind // compile only these kinds; all when empty
	// chainInputs are the ids some chain requires: only their outcomes
	// are recorded in the `failed` map chains read.
	chainInputs map[string]bool
}

type compiledCheck struct {
	check      *audit.Check
	references []string // check.References.All(), computed once
	// guards, for a chain, are groups of required ids of which at least
	// one must have failed for the condition to hold (see chainGuards).
	guards   [][]string
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

// WithKinds compiles only the checks for these asset kinds (a scan of
// containers need not compile the VM library). Assets of other kinds then
// get no findings.
func WithKinds(kinds ...audit.Kind) Option {
	return func(e *Engine) { e.kinds = kinds }
}

// New compiles every expression of the catalog. Any expression that does
// not compile, or a condition that is not boolean, is an error naming the
// check.
func New(cat *catalog.Catalog, opts ...Option) (*Engine, error) {
	e := &Engine{byKind: map[audit.Kind][]*compiledCheck{}, mitigations: map[string]*compiledMitigation{},
		concurrency: runtime.GOMAXPROCS(0), chainInputs: map[string]bool{}}
	for _, o := range opts {
		o(e)
	}
	env, err := newEnvs()
	if err != nil {
		return nil, fmt.Errorf("create cel environment: %w", err)
	}
	env.precompiled = e.precompiled
	for _, m := range cat.Mitigations {
		prg, err := env.compile("mitigation "+m.ID, "condition", m.Condition, true)
		if err != nil {
			return nil, err
		}
		e.mitigations[m.ID] = &compiledMitigation{m: m, cond: prg}
	}
	ordered, err := cat.ChainOrder()
	if err != nil {
		return nil, err
	}
	if len(e.kinds) > 0 {
		ordered = slices.DeleteFunc(ordered, func(c *audit.Check) bool { return !slices.Contains(e.kinds, c.Kind) })
	}
	compiled, err := compileAll(ordered, e.concurrency, e.precompiled)
	if err != nil {
		return nil, err
	}
	for _, cc := range compiled {
		if cc == nil { // deprecated
			continue
		}
		e.byKind[cc.check.Kind] = append(e.byKind[cc.check.Kind], cc)
		for _, r := range cc.check.Requires {
			e.chainInputs[r] = true
		}
	}
	return e, nil
}

// compileAll compiles the checks on `workers` goroutines (compiling is
// the bulk of start-up) and returns them in the given order; deprecated
// checks leave a nil slot. The first error in check order wins.
func compileAll(checks []*audit.Check, workers int, pre Precompiled) ([]*compiledCheck, error) {
	out := make([]*compiledCheck, len(checks))
	errs := make([]error, len(checks))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		env, err := newEnvs() // environments are cheap; one per worker avoids sharing the optimizer
		if err != nil {
			return nil, fmt.Errorf("create cel environment: %w", err)
		}
		env.precompiled = pre
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if !checks[i].Deprecated {
					out[i], errs[i] = compileCheck(env, checks[i])
				}
			}
		}()
	}
	for i := range checks {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func compileCheck(env *envs, chk *audit.Check) (*compiledCheck, error) {
	owner := fmt.Sprintf("check %s (%s)", chk.ID, chk.Source)
	cc := &compiledCheck{check: chk, references: chk.References.All()}
	condAST, cond, err := env.compileAST(owner, "condition", chk.Condition, true)
	if err != nil {
		return nil, err
	}
	cc.cond = cond
	if chk.IsChain() {
		cc.guards = chainGuards(condAST.NativeRep().Expr(), chk.Requires)
	}
	if chk.UnknownWhen != "" {
		if cc.unknown, err = env.compile(owner, "unknown_when", chk.UnknownWhen, true); err != nil {
			return nil, err
		}
	}
	for i, ev := range chk.Evidence {
		prg, err := env.compile(owner, fmt.Sprintf("evidence %d value", i+1), ev.Value, false)
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
	hosts := &hostCache{vals: map[hostKey]ref.Val{}}
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
			out[i] = e.evaluateAsset(&assets[i], hosts)
		}(i)
	}
	wg.Wait()
	return out
}

// EvaluateAsset runs the checks of the asset's kind on one asset.
func (e *Engine) EvaluateAsset(a *audit.Asset) []audit.Finding { return e.evaluateAsset(a, nil) }

// evaluateAsset is EvaluateAsset converting the host document through
// hosts (nil: no cache).
func (e *Engine) evaluateAsset(a *audit.Asset, hosts *hostCache) []audit.Finding {
	checks := e.byKind[a.Kind]
	// failed holds the outcome (true when it failed) of every check some
	// chain requires, so a chain can read failed['ID'] of its preconditions.
	failed := make(map[string]bool, len(e.chainInputs))
	vars := activation(a, failed, hosts)
	findings := make([]audit.Finding, 0, len(checks))
	for _, cc := range checks {
		if !cc.check.AppliesTo(a.Platform) {
			continue
		}
		f := e.evaluate(cc, a, vars)
		if f.Status == audit.StatusFail && len(f.Chain) > 0 {
			f.Evidence = append(f.Evidence, preconditionEvidence(f.Evidence, findings, f.Chain)...)
		}
		if e.chainInputs[cc.check.ID] {
			failed[cc.check.ID] = f.Status == audit.StatusFail
		}
		findings = append(findings, f)
	}
	return findings
}

// preconditionEvidence collects the evidence of a chain's failed
// preconditions (already in findings, by chain order), skipping entries
// the chain already reports, so a chain finding explains itself.
func preconditionEvidence(own []audit.Evidence, findings []audit.Finding, chain []string) []audit.Evidence {
	var out []audit.Evidence
	seen := map[string]bool{}
	for _, ev := range own {
		seen[ev.Path+"\x00"+fmt.Sprint(ev.Actual)] = true
	}
	for _, id := range chain {
		for i := range findings {
			if findings[i].CheckID != id {
				continue
			}
			for _, ev := range findings[i].Evidence {
				key := ev.Path + "\x00" + fmt.Sprint(ev.Actual)
				if !seen[key] {
					seen[key] = true
					out = append(out, ev)
				}
			}
		}
	}
	return out
}

// mayHold reports whether the chain's condition can be true given which
// checks failed: every guard group has a failed member (and, without
// guards, at least one required check failed).
func (cc *compiledCheck) mayHold(failed map[string]bool) bool {
	if len(cc.guards) == 0 {
		return anyFailed(cc.check.Requires, failed)
	}
	for _, group := range cc.guards {
		if !anyFailed(group, failed) {
			return false
		}
	}
	return true
}

func anyFailed(ids []string, failed map[string]bool) bool {
	for _, id := range ids {
		if failed[id] {
			return true
		}
	}
	return false
}

// activation binds the asset's documents once for all its evaluations.
func activation(a *audit.Asset, failed map[string]bool, hosts *hostCache) *vars {
	// The host document is converted on first use: most VM checks never
	// read it, and host.virt (all of qemu.conf) is the largest part.
	// cel-go calls a function binding on every resolution, hence the Once.
	m := map[string]any{VarHost: sync.OnceValue(func() ref.Val { return hosts.value(a) }), VarFailed: failed}
	if a.Container != nil {
		m[VarContainer] = toValue(reflect.ValueOf(*a.Container))
	}
	if a.VM != nil {
		m[VarVM] = toValue(reflect.ValueOf(*a.VM))
	}
	act, _ := interpreter.NewActivation(m) // a map is always a valid activation
	return &vars{act: act, failed: failed}
}

// hostCache holds the host documents converted during one Evaluate: the
// assets of a source share one audit.Host, so its containers need one
// conversion, not one each. CEL values are immutable, so evaluations on
// several goroutines share them.
type hostCache struct {
	mu   sync.Mutex
	vals map[hostKey]ref.Val
}

// hostKey is a host document as bound for one kind of asset (the kind
// decides which parts are converted).
type hostKey struct {
	host *audit.Host
	kind audit.Kind
}

// value returns the asset's converted host document, from the cache when
// another asset of the same host and kind converted it already.
func (c *hostCache) value(a *audit.Asset) ref.Val {
	if c == nil || a.Host == nil {
		return hostValue(a)
	}
	k := hostKey{a.Host, a.Kind}
	c.mu.Lock()
	v, ok := c.vals[k]
	c.mu.Unlock()
	if !ok {
		v = hostValue(a)
		c.mu.Lock()
		c.vals[k] = v
		c.mu.Unlock()
	}
	return v
}

// hostValue converts the host document. Its hypervisor facts (host.virt,
// the largest part: all of qemu.conf) are bound for VM and host assets
// only, and the host collector's machine facts for host assets only;
// container and VM checks have no use for them and would pay for the
// conversion on every asset.
func hostValue(a *audit.Asset) ref.Val {
	host := reflect.ValueOf(a.HostFacts()).Elem()
	switch a.Kind {
	case audit.KindHost:
		return toValue(host)
	case audit.KindVM:
		return toValue(host, machineFacts...)
	}
	return toValue(host, containerHostSkip...)
}

// machineFacts are the host fields only the host collector fills (for
// assets of kind host).
var machineFacts = []string{"kernel_cmdline", "kernels_installed", "release", "packages", "sysctls",
	"cgroup_v1_controllers", "virtualization", "cpu", "guest", "updates", "daemon", "self"}

// containerHostSkip are the host fields container checks never read: the
// hypervisor facts and the machine facts.
var containerHostSkip = append([]string{"virt"}, machineFacts...)

type vars struct {
	act    interpreter.Activation
	failed map[string]bool
}

func (e *Engine) evaluate(cc *compiledCheck, a *audit.Asset, vars *vars) audit.Finding {
	chk := cc.check
	f := audit.Finding{
		CheckID: chk.ID, AssetID: a.ID,
		Severity: chk.Severity, Title: chk.Title, Remediation: chk.Remediation,
		References: cc.references, Tags: chk.Tags, Evidence: []audit.Evidence{},
	}
	if chk.IsChain() && !cc.mayHold(vars.failed) {
		// A chain combines failures: without the preconditions its
		// condition needs it cannot hold, whatever else the document says.
		f.Status = audit.StatusPass
		return f
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
		for _, r := range chk.Requires {
			if vars.failed[r] {
				f.Chain = append(f.Chain, r)
			}
		}
	}
	f.Mitigations = e.heldMitigations(chk, vars)
	return f
}

func (e *Engine) heldMitigations(chk *audit.Check, vars *vars) []audit.AppliedMitigation {
	var held []audit.AppliedMitigation
	for _, id := range chk.MitigatedBy {
		m := e.mitigations[id]
		if ok, err := evalBool(m.cond, vars); err == nil && ok {
			held = append(held, audit.AppliedMitigation{ID: m.m.ID, Title: m.m.Title, Factor: m.m.Factor})
		}
	}
	return held
}

func evidence(cc *compiledCheck, vars *vars) []audit.Evidence {
	out := make([]audit.Evidence, 0, len(cc.evidence))
	for i, prg := range cc.evidence {
		spec := cc.check.Evidence[i]
		var actual any
		val, _, err := prg.Eval(vars.act)
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

func evalBool(prg cel.Program, vars *vars) (bool, error) {
	val, _, err := prg.Eval(vars.act)
	if err != nil {
		return false, err
	}
	b, ok := val.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %s, want bool", val.Type().TypeName())
	}
	return b, nil
}
