package audit

import (
	"reflect"
	"regexp"
	"testing"
)

// TestVMDocumentTags checks the contract the engine relies on: every
// exported field of the VM and hypervisor-host documents, at any depth,
// has a `cel` and a `json` tag with the same snake_case name, unique in
// its struct, and only CEL-friendly field types.
func TestVMDocumentTags(t *testing.T) {
	for _, root := range []reflect.Type{reflect.TypeOf(VM{}), reflect.TypeOf(VirtHost{})} {
		checkDocumentType(t, root, root.Name(), map[reflect.Type]bool{})
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func checkDocumentType(t *testing.T, typ reflect.Type, path string, seen map[reflect.Type]bool) {
	t.Helper()
	if seen[typ] {
		return
	}
	seen[typ] = true
	names := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		where := path + "." + f.Name
		celName, jsonName := f.Tag.Get("cel"), f.Tag.Get("json")
		switch {
		case !f.IsExported():
			t.Errorf("%s: unexported field in a document", where)
		case celName == "" || jsonName == "":
			t.Errorf("%s: needs both cel and json tags, has cel %q json %q", where, celName, jsonName)
		case celName != jsonName:
			t.Errorf("%s: cel name %q differs from json name %q", where, celName, jsonName)
		case !snakeCase.MatchString(celName):
			t.Errorf("%s: name %q is not snake_case", where, celName)
		case names[celName]:
			t.Errorf("%s: name %q used twice", where, celName)
		}
		names[celName] = true
		checkFieldType(t, f.Type, where, seen)
	}
}

func checkFieldType(t *testing.T, ft reflect.Type, where string, seen map[reflect.Type]bool) {
	t.Helper()
	switch ft.Kind() {
	case reflect.String, reflect.Bool, reflect.Int64:
	case reflect.Struct:
		checkDocumentType(t, ft, where, seen)
	case reflect.Slice:
		if ft.Elem().Kind() == reflect.Struct {
			checkDocumentType(t, ft.Elem(), where+"[]", seen)
		} else if ft.Elem().Kind() != reflect.String {
			t.Errorf("%s: list of %s; use strings or structs", where, ft.Elem())
		}
	case reflect.Map:
		if ft.Key().Kind() != reflect.String || ft.Elem().Kind() != reflect.String {
			t.Errorf("%s: map %s; use map[string]string", where, ft)
		}
	default:
		t.Errorf("%s: type %s is not a document type (string, bool, int64, struct, list, map)", where, ft)
	}
}
