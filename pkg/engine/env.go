package engine

import (
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"

	"github.com/isoaudit/isoaudit/pkg/advisory"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Variable names visible to check expressions.
const (
	VarContainer = "container"
	VarVM        = "vm"
	VarHost      = "host"
	VarFailed    = "failed"
)

// NewEnv returns the CEL environment checks are type-checked in: the
// typed documents `container` (audit.Container), `vm` (audit.VM) and
// `host` (audit.Host),
// the chain input `failed` (map of check id to true for checks that failed
// on the same asset), the standard string, list and set extensions, and
// the path functions: pathCovers(parent, child) is true when parent is
// child or one of its ancestor directories; pathCoversAny(p, list) when p
// covers any path of the list; pathOverlapsAny(p, list) when p covers, or
// lies under, any path of the list; and intersect(a, b), the strings of a
// that are also in b, in a's order (a comprehension costs ~0.4 µs per
// element; this is one pass in Go). Unknown fields and type errors are
// caught here, at load time.
func NewEnv() (*cel.Env, error) {
	return cel.NewEnv(append(library(),
		ext.NativeTypes(ext.ParseStructTags(true),
			reflect.TypeOf(&audit.Container{}), reflect.TypeOf(&audit.VM{}), reflect.TypeOf(&audit.Host{})),
		cel.Variable(VarContainer, cel.ObjectType("audit.Container")),
		cel.Variable(VarVM, cel.ObjectType("audit.VM")),
		cel.Variable(VarHost, cel.ObjectType("audit.Host")),
	)...)
}

// newRuntimeEnv is the environment programs run in: the same functions,
// with the documents bound as maps (see toValue), which CEL reads about
// twice as fast as native structs through reflection. An expression is
// only compiled here after it type-checked in NewEnv.
func newRuntimeEnv() (*cel.Env, error) {
	doc := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(append(library(), cel.Variable(VarContainer, doc), cel.Variable(VarVM, doc), cel.Variable(VarHost, doc))...)
}

// library is what both environments share.
func library() []cel.EnvOption {
	return []cel.EnvOption{
		cel.Variable(VarFailed, cel.MapType(cel.StringType, cel.BoolType)),
		ext.Strings(), ext.Lists(), ext.Sets(), ext.Bindings(),
		cel.Function("pathCovers",
			cel.Overload("path_covers_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(stringPair(PathCovers)))),
		cel.Function("pathCoversAny",
			cel.Overload("path_covers_any_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(stringList(func(p string, set []string) bool {
					for _, x := range set {
						if PathCovers(p, x) {
							return true
						}
					}
					return false
				})))),
		cel.Function("intersect",
			cel.Overload("intersect_list_string_list_string",
				[]*cel.Type{cel.ListType(cel.StringType), cel.ListType(cel.StringType)}, cel.ListType(cel.StringType),
				cel.BinaryBinding(intersect))),
		cel.Function("advisoryStatus",
			cel.Overload("advisory_status",
				[]*cel.Type{cel.StringType, cel.StringType, cel.StringType,
					cel.MapType(cel.StringType, cel.ListType(cel.StringType)), cel.MapType(cel.StringType, cel.StringType)},
				cel.StringType, cel.FunctionBinding(advisoryStatus))),
		cel.Function("pathOverlapsAny",
			cel.Overload("path_overlaps_any_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(stringList(func(p string, set []string) bool {
					for _, x := range set {
						if PathCovers(p, x) || PathCovers(x, p) {
							return true
						}
					}
					return false
				})))),
	}
}

// advisoryStatus is advisory.Status over CEL values: it looks up only the
// product's ranges and the release's fixed version in the (constant)
// maps, without converting them.
func advisoryStatus(args ...ref.Val) ref.Val {
	var str [3]string
	for i := range str {
		s, ok := args[i].Value().(string)
		if !ok {
			return types.NewErr("advisoryStatus: argument %d is not a string", i+1)
		}
		str[i] = s
	}
	affected, ok1 := args[3].(traits.Mapper)
	fixed, ok2 := args[4].(traits.Mapper)
	if !ok1 || !ok2 {
		return types.NewErr("advisoryStatus: ranges and fixed versions must be maps")
	}
	var ranges []string
	lv, known := affected.Find(types.String(str[0]))
	if known {
		l, ok := lv.(traits.Lister)
		if !ok {
			return types.NewErr("advisoryStatus: ranges of %q are not a list", str[0])
		}
		for it := l.Iterator(); it.HasNext() == types.True; {
			r, ok := it.Next().Value().(string)
			if !ok {
				return types.NewErr("advisoryStatus: a range of %q is not a string", str[0])
			}
			ranges = append(ranges, r)
		}
	}
	return types.String(advisory.Decide(str[0], str[1], str[2], ranges, known, func(release string) (string, bool) {
		v, ok := fixed.Find(types.String(release))
		if !ok {
			return "", false
		}
		s, ok := v.Value().(string)
		return s, ok
	}))
}

// PathCovers reports whether parent is child or an ancestor directory of
// child, after cleaning both; "" covers nothing.
func PathCovers(parent, child string) bool {
	if parent == "" || child == "" {
		return false
	}
	p, c := cleanPath(parent), cleanPath(child)
	if p == c || p == "/" {
		return true
	}
	return len(c) > len(p) && c[len(p)] == '/' && strings.HasPrefix(c, p)
}

// cleanPath is path.Clean without its allocation for paths that are
// already clean (the common case on this hot path).
func cleanPath(p string) string {
	if p == "/" || (p[len(p)-1] != '/' && !strings.Contains(p, "//") && !strings.Contains(p, "/.")) {
		return p
	}
	return path.Clean(p)
}

func stringPair(f func(a, b string) bool) func(a, b ref.Val) ref.Val {
	return func(a, b ref.Val) ref.Val {
		x, ok1 := a.Value().(string)
		y, ok2 := b.Value().(string)
		if !ok1 || !ok2 {
			return types.NewErr("path functions take strings")
		}
		return types.Bool(f(x, y))
	}
}

func stringList(f func(p string, set []string) bool) func(a, b ref.Val) ref.Val {
	return func(a, b ref.Val) ref.Val {
		p, ok := a.Value().(string)
		if !ok {
			return types.NewErr("path functions take a string first")
		}
		list, ok := b.(traits.Lister)
		if !ok {
			return types.NewErr("path functions take a list of strings")
		}
		n, _ := list.Size().Value().(int64)
		set := make([]string, 0, n)
		for i := int64(0); i < n; i++ {
			s, ok := list.Get(types.Int(i)).Value().(string)
			if !ok {
				return types.NewErr("path functions take a list of strings")
			}
			set = append(set, s)
		}
		return types.Bool(f(p, set))
	}
}

// envs pairs the checking environment with the runtime one.
type envs struct {
	typed, runtime *cel.Env
	folder         *cel.StaticOptimizer
	precompiled    Precompiled // may be nil
}

func newEnvs() (*envs, error) {
	typed, err := NewEnv()
	if err != nil {
		return nil, err
	}
	rt, err := newRuntimeEnv()
	if err != nil {
		return nil, err
	}
	folder, err := cel.NewConstantFoldingOptimizer()
	if err != nil {
		return nil, err
	}
	opt, err := cel.NewStaticOptimizer(folder)
	if err != nil {
		return nil, err
	}
	return &envs{typed: typed, runtime: rt, folder: opt}, nil
}

// compile returns the program of one expression: from the precompiled
// table when it holds the expression, else by check (below).
func (e *envs) compile(owner, field, expr string, wantBool bool) (cel.Program, error) {
	_, prg, err := e.compileAST(owner, field, expr, wantBool)
	return prg, err
}

// compileAST is compile that also returns the runtime AST.
func (e *envs) compileAST(owner, field, expr string, wantBool bool) (*cel.Ast, cel.Program, error) {
	ast, err := e.precompiled.lookup(expr)
	if err != nil {
		return nil, nil, fmt.Errorf("load precompiled %s %s: %w", owner, field, err)
	}
	if ast == nil {
		if ast, err = e.check(owner, field, expr, wantBool); err != nil {
			return nil, nil, err
		}
	}
	prg, err := e.runtime.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, nil, fmt.Errorf("compile %s %s: %w", owner, field, err)
	}
	return ast, prg, nil
}

// check type-checks one expression against the typed documents, then
// checks it again for the map documents and folds its constants. The
// expression is parsed once for both. Errors name the owner (check id
// and file) and the field.
func (e *envs) check(owner, field, expr string, wantBool bool) (*cel.Ast, error) {
	parsed, iss := e.typed.Parse(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile %s %s: %w", owner, field, iss.Err())
	}
	checked, iss := e.typed.Check(parsed)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile %s %s: %w", owner, field, iss.Err())
	}
	if wantBool && checked.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("compile %s %s: expression returns %s, want bool", owner, field, checked.OutputType())
	}
	ast, iss := e.runtime.Check(parsed)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile %s %s for evaluation: %w", owner, field, iss.Err())
	}
	// Fold constants (list literals of paths, cel.bind values) once here
	// instead of rebuilding them on every evaluation.
	if ast, iss = e.folder.Optimize(e.runtime, ast); iss.Err() != nil {
		return nil, fmt.Errorf("optimize %s %s: %w", owner, field, iss.Err())
	}
	return ast, nil
}

// intersect implements intersect(a, b) for lists of strings.
func intersect(a, b ref.Val) ref.Val {
	la, ok1 := a.(traits.Lister)
	lb, ok2 := b.(traits.Lister)
	if !ok1 || !ok2 {
		return types.NewErr("intersect takes two lists of strings")
	}
	want := map[string]bool{}
	for it := lb.Iterator(); it.HasNext() == types.True; {
		if s, ok := it.Next().Value().(string); ok {
			want[s] = true
		}
	}
	var out []ref.Val
	for it := la.Iterator(); it.HasNext() == types.True; {
		v := it.Next()
		if s, ok := v.Value().(string); ok && want[s] {
			out = append(out, v)
		}
	}
	return types.NewRefValList(types.DefaultTypeAdapter, out)
}
