package engine

import (
	"reflect"
	"slices"
	"sync"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
)

// toValue converts a document struct into the CEL values the runtime
// environment reads: each struct becomes a map keyed by its `cel` tag
// holding ref.Val values, slices become ref.Val lists (nil lists and maps
// become empty ones), scalars become CEL scalars. Building ref.Val trees
// once per asset means a field access is one map lookup, instead of CEL
// wrapping a Go map or slice again (and allocating) on every access by
// every check. Field layouts are computed once per type.
// Top-level struct fields named in skip are left out.
func toValue(v reflect.Value, skip ...string) ref.Val {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return types.NullValue
		}
		return toValue(v.Elem())
	case reflect.Struct:
		fields := structFields(v.Type())
		m := make(map[ref.Val]ref.Val, len(fields))
		for _, f := range fields {
			if len(skip) > 0 && slices.Contains(skip, f.name) {
				continue
			}
			m[f.key] = toValue(v.Field(f.index))
		}
		return types.NewRefValMap(types.DefaultTypeAdapter, m)
	case reflect.Slice:
		vals := make([]ref.Val, v.Len())
		for i := range vals {
			vals[i] = toValue(v.Index(i))
		}
		return types.NewRefValList(types.DefaultTypeAdapter, vals)
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String {
			m := make(map[string]string, v.Len())
			for it := v.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().String()
			}
			return types.NewStringStringMap(types.DefaultTypeAdapter, m)
		}
		if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.Bool {
			m := make(map[ref.Val]ref.Val, v.Len())
			for it := v.MapRange(); it.Next(); {
				m[types.String(it.Key().String())] = types.Bool(it.Value().Bool())
			}
			return types.NewRefValMap(types.DefaultTypeAdapter, m)
		}
	case reflect.String:
		return types.String(v.String())
	case reflect.Bool:
		return types.Bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return types.Int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return types.Uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		return types.Double(v.Float())
	}
	return types.DefaultTypeAdapter.NativeToValue(v.Interface())
}

type docField struct {
	name  string
	key   ref.Val // name as a CEL string, the map key
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
			fields = append(fields, docField{name: name, key: types.String(name), index: i})
		}
	}
	layouts.Store(t, fields)
	return fields
}
