package vmx

import (
	"reflect"
	"strings"
	"testing"
)

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s\n got %#v\nwant %#v", what, got, want)
	}
}

// values returns every setting of a parsed file as lower-case key → value.
func values(c *Config) map[string]string {
	out := map[string]string{}
	for _, k := range c.Keys() {
		out[k], _ = c.Get(k)
	}
	return out
}

// TestParseSyntax follows DictLL_UnmarshalLine: quoted and bare values,
// comments, whitespace, empty values, |XX escapes as Escape_Undo decodes
// them, a byte-order mark and CRLF line ends.
func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name, input string
		want        map[string]string
	}{
		{"quoted", `displayName = "web 01"`, map[string]string{"displayname": "web 01"}},
		{"bare and tight", "memsize=4096\nnumvcpus\t=\t2", map[string]string{"memsize": "4096", "numvcpus": "2"}},
		{"comments", "# header\n\n   # indented\nguestOS = \"ubuntu-64\" # trailing\nlogging = FALSE#tight",
			map[string]string{"guestos": "ubuntu-64", "logging": "FALSE"}},
		{"# inside quotes", `annotation = "ticket #42"`, map[string]string{"annotation": "ticket #42"}},
		{"empty values", "a =\nb = \"\"\nc = # nothing", map[string]string{"a": "", "b": "", "c": ""}},
		{"escapes", `a = "|22quoted|22 |7C pipe |7c |23 |0A"`, map[string]string{"a": "\"quoted\" | pipe | # \n"}},
		{"escape in a bare value", `a = x|3Dy`, map[string]string{"a": "x=y"}},
		{"not escapes", `a = "|zz |4 ||41 |4g a|"`, map[string]string{"a": "|zz |4 ||41 |4g a|"}},
		{"escape after a failed one", `a = "|x|41"`, map[string]string{"a": "|xA"}},
		{"quote in a bare value", `a = b"c`, map[string]string{"a": `b"c`}},
		{"BOM and CRLF", "\xef\xbb\xbfconfig.version = \"8\"\r\ndisplayName = \"x\"\r\n", map[string]string{"config.version": "8", "displayname": "x"}},
		{"metavariable", ".encoding = \"UTF-8\"\nx = 1", map[string]string{".encoding": "UTF-8", "x": "1"}},
		{"colon and dots in keys", `scsi0:0.fileName = "disk.vmdk"`, map[string]string{"scsi0:0.filename": "disk.vmdk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "settings", values(c), tt.want)
			eq(t, "notes", len(c.Notes), 0)
		})
	}
}

func TestParseKeysIgnoreCase(t *testing.T) {
	c, err := Parse([]byte("Isolation.Tools.Copy.Disable = \"FALSE\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"isolation.tools.copy.disable", "ISOLATION.TOOLS.COPY.DISABLE", "isolation.tools.Copy.disable"} {
		if v, ok := c.Get(k); !ok || v != "FALSE" {
			t.Errorf("Get(%q) = %q, %v", k, v, ok)
		}
	}
	s, _ := c.Setting("isolation.tools.copy.disable")
	eq(t, "setting keeps the spelling", s, Setting{Key: "Isolation.Tools.Copy.Disable", Value: "FALSE", Line: 1})
}

// TestParseDuplicateKeys: a repeated key (in any case) keeps the later
// value, with a note naming both lines.
func TestParseDuplicateKeys(t *testing.T) {
	c, err := Parse([]byte("isolation.tools.copy.disable = \"TRUE\"\nmemsize = \"1\"\nIsolation.Tools.Copy.Disable = \"FALSE\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := c.Get("isolation.tools.copy.disable")
	eq(t, "value", v, "FALSE")
	eq(t, "notes", c.Notes, []string{"line 3: Isolation.Tools.Copy.Disable repeats line 1; the later value is used " +
		"(VMware refuses to load a file that repeats a key)"})
}

func TestParseLatin1(t *testing.T) {
	c, err := Parse([]byte(".encoding = \"windows-1252\"\ndisplayName = \"caf\xe9\"\nannotation = \"r|E9sum|E9\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	name, _ := c.Get("displayName")
	note, _ := c.Get("annotation")
	eq(t, "values", []string{name, note}, []string{"café", "résumé"})
	eq(t, "notes", c.Notes, []string{"line 2: displayName is not UTF-8; read as ISO-8859-1",
		"line 3: annotation is not UTF-8; read as ISO-8859-1"})
}

// TestParseErrors: lines VMware rejects as syntax errors; the message
// names the line and the key, never the value.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty file", "", "no settings: not a VMware configuration file"},
		{"only comments", "# nothing\n\n", "no settings: not a VMware configuration file"},
		{"no name", "config.version = \"8\"\n= \"x\"", "line 2: syntax error: no name before ="},
		{"no equals", "displayName \"x\"", `line 1: syntax error: expected = after "displayName"`},
		{"unterminated quote", "a = 1\nRemoteDisplay.vnc.password = \"hunter2\n", `line 2: syntax error: the value of "RemoteDisplay.vnc.password" has no closing quote`},
		{"two words", "RemoteDisplay.vnc.password = hunter2 hunter3", `line 1: syntax error: text after the value of "RemoteDisplay.vnc.password"`},
		{"two strings", `a = "x" "y"`, `line 1: syntax error: text after the value of "a"`},
		{"NUL byte", "a = 1\nb = \"\x00\"", "line 2: NUL byte: not a text file"},
		{"XML", "<?xml version=\"1.0\"?>\n<domain/>", `line 1: syntax error: expected = after "<?xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error\n got %v\nwant %s", err, tt.want)
			}
			for _, secret := range []string{"hunter2", "hunter3"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a value: %v", err)
				}
			}
		})
	}
}

// TestParseBool follows Dictionary_StringToBool.
func TestParseBool(t *testing.T) {
	for _, s := range []string{"TRUE", "true", "True", "t", "YES", "y", "On", "1", ""} {
		if v, ok := ParseBool(s); !v || !ok {
			t.Errorf("ParseBool(%q) = %v, %v; want true", s, v, ok)
		}
	}
	for _, s := range []string{"FALSE", "false", "F", "no", "N", "OFF", "0"} {
		if v, ok := ParseBool(s); v || !ok {
			t.Errorf("ParseBool(%q) = %v, %v; want false", s, v, ok)
		}
	}
	for _, s := range []string{"disabled", " TRUE", "2", "-1", "enabled"} {
		if v, ok := ParseBool(s); v || ok {
			t.Errorf("ParseBool(%q) = %v, %v; want false, not ok", s, v, ok)
		}
	}
}

func TestUnescapeMatchesEscapeUndo(t *testing.T) {
	for in, want := range map[string]string{
		"":        "",
		"plain":   "plain",
		"|41":     "A",
		"|4":      "|4",
		"|":       "|",
		"a||":     "a||",
		"|41|42":  "AB",
		"|4|41":   "|4|41", // the second | falls inside the failed window
		"|g41":    "|g41",
		"x|7c|7C": "x||",
	} {
		eq(t, "unescape("+in+")", unescape(in), want)
	}
}
