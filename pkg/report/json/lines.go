package json

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// encodeLines writes doc as a JSON object with one top-level key per line
// and one array element per line, each element compact. The layout reads
// and diffs line by line like indented JSON, and costs about a fifth as
// much to write for large fleets (encoding/json's indenter re-scans every
// byte). HTML characters are not escaped, so "<", ">" and "&" stay
// readable in titles and paths.
// lazySlice is an array field produced element by element while it is
// written (the findings of a large fleet), so the document never holds a
// second copy of it.
type lazySlice struct {
	n  int
	at func(i int) (any, error)
}

func encodeLines(w *bufio.Writer, doc any, lazy map[string]lazySlice) error {
	var buf bytes.Buffer // one element at a time
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes()[:buf.Len()-1]) // without Encode's trailing newline
		return err
	}
	v := reflect.Indirect(reflect.ValueOf(doc))
	t := v.Type()
	// Optional sections (omitempty pointers left nil) are left out.
	var fields []int
	for i := 0; i < t.NumField(); i++ {
		_, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if opts == "omitempty" && v.Field(i).Kind() == reflect.Pointer && v.Field(i).IsNil() {
			continue
		}
		fields = append(fields, i)
	}
	w.WriteString("{\n")
	for k, i := range fields {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		w.WriteString(`  "` + name + `": `)
		field := v.Field(i)
		if l, ok := lazy[name]; ok && l.n > 0 {
			w.WriteString("[\n")
			for j := 0; j < l.n; j++ {
				w.WriteString("    ")
				e, err := l.at(j)
				if err == nil {
					err = put(e)
				}
				if err != nil {
					return err
				}
				if j < l.n-1 {
					w.WriteByte(',')
				}
				w.WriteByte('\n')
			}
			w.WriteString("  ]")
		} else if _, ok := lazy[name]; ok {
			w.WriteString("[]")
		} else if field.Kind() == reflect.Slice && field.Len() > 0 {
			w.WriteString("[\n")
			for j := 0; j < field.Len(); j++ {
				w.WriteString("    ")
				if err := put(field.Index(j).Interface()); err != nil {
					return err
				}
				if j < field.Len()-1 {
					w.WriteByte(',')
				}
				w.WriteByte('\n')
			}
			w.WriteString("  ]")
		} else if err := put(field.Interface()); err != nil {
			return err
		}
		if k < len(fields)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	_, err := w.WriteString("}\n")
	return err
}
