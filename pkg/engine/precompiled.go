package engine

import (
	"encoding/json"
	"fmt"

	"github.com/google/cel-go/cel"
	exprpb "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/proto"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

// Precompiled maps an expression's source text to its type-checked,
// constant-folded runtime AST (a serialized cel CheckedExpr). Parsing and
// checking is most of start-up; the built-in library ships this table,
// generated and kept fresh by a test, so a scan skips that work for every
// built-in expression. Expressions not in the table compile normally.
type Precompiled map[string][]byte

// WithPrecompiled lets New take expressions from p instead of compiling
// them. p must come from Precompile on the same expressions and the same
// build (the built-in table is verified fresh by checks' tests).
func WithPrecompiled(p Precompiled) Option {
	return func(e *Engine) { e.precompiled = p }
}

// Precompile compiles (and fully type-checks) every expression of the
// catalog and returns the table of their runtime ASTs.
func Precompile(cat *catalog.Catalog) (Precompiled, error) {
	env, err := newEnvs()
	if err != nil {
		return nil, err
	}
	out := Precompiled{}
	add := func(owner, field, expr string, wantBool bool) error {
		ast, err := env.check(owner, field, expr, wantBool)
		if err != nil {
			return err
		}
		pb, err := cel.AstToCheckedExpr(ast)
		if err != nil {
			return fmt.Errorf("serialize %s %s: %w", owner, field, err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(pb)
		if err != nil {
			return fmt.Errorf("serialize %s %s: %w", owner, field, err)
		}
		out[expr] = b
		return nil
	}
	for _, m := range cat.Mitigations {
		if err := add("mitigation "+m.ID, "condition", m.Condition, true); err != nil {
			return nil, err
		}
	}
	for _, c := range cat.Checks {
		if err := forEachExpression(c, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// forEachExpression calls f for every CEL expression of a check.
func forEachExpression(c *audit.Check, f func(owner, field, expr string, wantBool bool) error) error {
	owner := fmt.Sprintf("check %s (%s)", c.ID, c.Source)
	if err := f(owner, "condition", c.Condition, true); err != nil {
		return err
	}
	if c.UnknownWhen != "" {
		if err := f(owner, "unknown_when", c.UnknownWhen, true); err != nil {
			return err
		}
	}
	for i, ev := range c.Evidence {
		if err := f(owner, fmt.Sprintf("evidence %d value", i+1), ev.Value, false); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes the table with sorted keys (encoding/json sorts map
// keys), so the generated file is stable.
func (p Precompiled) MarshalJSON() ([]byte, error) {
	return json.MarshalIndent(map[string][]byte(p), "", " ")
}

// ParsePrecompiled reads a table written by MarshalJSON.
func ParsePrecompiled(data []byte) (Precompiled, error) {
	var m map[string][]byte
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse precompiled expressions: %w", err)
	}
	return Precompiled(m), nil
}

// lookup returns the cached runtime AST of expr, or nil.
func (p Precompiled) lookup(expr string) (*cel.Ast, error) {
	b, ok := p[expr]
	if !ok {
		return nil, nil
	}
	var pb exprpb.CheckedExpr
	if err := proto.Unmarshal(b, &pb); err != nil {
		return nil, err
	}
	return cel.CheckedExprToAst(&pb), nil
}
