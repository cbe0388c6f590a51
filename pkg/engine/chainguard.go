package engine

import (
	"slices"

	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// chainGuards reads a chain condition's top-level conjunction and returns,
// for each conjunct that is `failed['ID']` or a disjunction of only such
// terms, the group of ids it names: the condition can only be true when
// every group has a failed member. Groups naming an id outside requires
// are dropped (the engine records only required ids). Other conjuncts
// (document facts) add no group. The result lets the engine skip chains
// that cannot hold without evaluating them; it never changes a verdict.
func chainGuards(e celast.Expr, requires []string) [][]string {
	var groups [][]string
	for _, term := range flatten(e, operators.LogicalAnd) {
		var group []string
		for _, leaf := range flatten(term, operators.LogicalOr) {
			id, ok := failedIndex(leaf)
			if !ok || !slices.Contains(requires, id) {
				group = nil
				break
			}
			group = append(group, id)
		}
		if len(group) > 0 {
			groups = append(groups, group)
		}
	}
	return groups
}

// flatten returns the operands of nested calls to op (`a && (b && c)` →
// a, b, c), or e itself.
func flatten(e celast.Expr, op string) []celast.Expr {
	if e.Kind() != celast.CallKind || e.AsCall().FunctionName() != op {
		return []celast.Expr{e}
	}
	var out []celast.Expr
	for _, arg := range e.AsCall().Args() {
		out = append(out, flatten(arg, op)...)
	}
	return out
}

// failedIndex matches `failed['ID']` and returns ID.
func failedIndex(e celast.Expr) (string, bool) {
	if e.Kind() != celast.CallKind || e.AsCall().FunctionName() != operators.Index {
		return "", false
	}
	args := e.AsCall().Args()
	if len(args) != 2 || args[0].Kind() != celast.IdentKind || args[0].AsIdent() != VarFailed ||
		args[1].Kind() != celast.LiteralKind {
		return "", false
	}
	id, ok := args[1].AsLiteral().(types.String)
	return string(id), ok
}
