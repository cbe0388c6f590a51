package engine

import (
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/ext"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Variable names visible to check expressions.
const (
	VarContainer = "container"
	VarHost      = "host"
	VarFailed    = "failed"
)

// NewEnv returns the CEL environment every check is compiled in: the typed
// documents `container` (audit.Container) and `host` (audit.Host), the
// chain input `failed` (map of check id to true for checks that failed on
// the same asset), the standard string, list and set extensions, and
// pathCovers(parent, child): true when parent is child or one of its
// ancestor directories.
func NewEnv() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(ext.ParseStructTags(true),
			reflect.TypeOf(&audit.Container{}), reflect.TypeOf(&audit.Host{})),
		cel.Variable(VarContainer, cel.ObjectType("audit.Container")),
		cel.Variable(VarHost, cel.ObjectType("audit.Host")),
		cel.Variable(VarFailed, cel.MapType(cel.StringType, cel.BoolType)),
		ext.Strings(), ext.Lists(), ext.Sets(), ext.Bindings(),
		cel.Function("pathCovers",
			cel.Overload("path_covers_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(func(parent, child ref.Val) ref.Val {
					p, ok1 := parent.Value().(string)
					c, ok2 := child.Value().(string)
					if !ok1 || !ok2 {
						return types.NewErr("pathCovers: arguments must be strings")
					}
					return types.Bool(PathCovers(p, c))
				}))),
	)
}

// PathCovers reports whether parent is child or an ancestor directory of
// child, after cleaning both; "" covers nothing.
func PathCovers(parent, child string) bool {
	if parent == "" || child == "" {
		return false
	}
	p, c := path.Clean(parent), path.Clean(child)
	if p == c || p == "/" {
		return true
	}
	return strings.HasPrefix(c, p+"/")
}

// compile compiles one boolean or value expression and wraps errors with
// the check id and field name.
func compile(env *cel.Env, owner, field, expr string, wantBool bool) (cel.Program, error) {
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile %s %s: %w", owner, field, iss.Err())
	}
	if wantBool && ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("compile %s %s: expression returns %s, want bool", owner, field, ast.OutputType())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("compile %s %s: %w", owner, field, err)
	}
	return prg, nil
}
