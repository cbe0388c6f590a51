package engine

import (
	"reflect"
	"slices"
	"sync"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// toValue converts a document struct into the plain maps and slices the
// runtime environment reads: each struct becomes map[string]any keyed by
// its `cel` tag, slices of structs become []any, everything else is kept
// as is (nil lists and maps become empty ones). Field layouts are computed
// once per type.
// Top-level struct fields named in skip are left out.
func toValue(v reflect.Value, skip ...string) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toValue(v.Elem())
	case reflect.Struct:
		fields := structFields(v.Type())
		m := make(map[string]any, len(fields))
		for _, f := range fields {
			if len(skip) > 0 && slices.Contains(skip, f.name) {
				continue
			}
			m[f.name] = toValue(v.Field(f.index))
		}
		return m
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			// Convert once: CEL would otherwise wrap each element again on
			// every membership test and comprehension step.
			vals := make([]ref.Val, v.Len())
			for i := range vals {
				vals[i] = types.String(v.Index(i).String())
			}
			return types.NewRefValList(types.DefaultTypeAdapter, vals)
		}
		if v.Type().Elem().Kind() != reflect.Struct {
			if v.IsNil() {
				return reflect.MakeSlice(v.Type(), 0, 0).Interface()
			}
			return v.Interface()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toValue(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return reflect.MakeMap(v.Type()).Interface()
		}
	}
	return v.Interface()
}

type docField struct {
	name  string
	index int
}

// layouts caches the `cel`-tagged fields of each document type.
var layouts sync.Map // reflect.Type → []docField

func structFields(t reflect.Type) []docField {
	if l, ok := layouts.Load(t); ok {
		return l.([]docField)
	}
	var fields []docField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name := f.Tag.Get("cel"); name != "" && f.IsExported() {
			fields = append(fields, docField{name: name, index: i})
		}
	}
	layouts.Store(t, fields)
	return fields
}
