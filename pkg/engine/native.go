package engine

import (
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// toNative converts a CEL value into plain Go values that encoding/json
// renders naturally: lists and maps recursively, native structs as they
// are (their json tags apply).
func toNative(v ref.Val) any {
	switch t := v.(type) {
	case traits.Lister:
		n, _ := t.Size().Value().(int64)
		out := make([]any, 0, n)
		it := t.Iterator()
		for it.HasNext() == boolTrue {
			out = append(out, toNative(it.Next()))
		}
		return out
	case traits.Mapper:
		out := map[string]any{}
		it := t.Iterator()
		for it.HasNext() == boolTrue {
			k := it.Next()
			key, _ := k.Value().(string)
			out[key] = toNative(t.Get(k))
		}
		return out
	}
	return v.Value()
}

var boolTrue = types.True
