package cef_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/cef"
	"github.com/isoaudit/isoaudit/pkg/report/internal/golden"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
)

func write(t *testing.T, r *audit.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := cef.New().Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteMatchesGolden(t *testing.T) {
	for _, tc := range reporttest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			got := write(t, tc.Report())
			for i, line := range nonEmpty(got) {
				if _, _, err := parse(line); err != "" {
					t.Errorf("line %d: %s\n%s", i+1, err, line)
				}
			}
			golden.Assert(t, "cef-"+tc.Name, got)
		})
	}
}

func nonEmpty(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// parse splits a CEF line the way the CEF spec (and the Logstash codec)
// reads it: seven unescaped "|" separate the header; the extension is
// key=value pairs whose keys have no spaces and whose values end at the
// next unescaped " key=".
func parse(line string) ([]string, map[string]string, string) {
	var header []string
	var cur strings.Builder
	i := 0
	for ; i < len(line) && len(header) < 7; i++ {
		switch c := line[i]; {
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '|':
			header = append(header, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if len(header) != 7 || header[0] != "CEF:0" {
		return nil, nil, "header is not CEF:0 with 7 fields"
	}
	ext := map[string]string{}
	rest := line[i:]
	keys := regexp.MustCompile(`(?:^| )([A-Za-z0-9_]+)=`).FindAllStringSubmatchIndex(rest, -1)
	for k, m := range keys {
		end := len(rest)
		if k+1 < len(keys) {
			end = keys[k+1][0]
		}
		raw := rest[m[1]:end]
		if strings.Contains(strings.ReplaceAll(raw, `\=`, ""), "=") {
			return nil, nil, "unescaped = in value of " + rest[m[2]:m[3]]
		}
		ext[rest[m[2]:m[3]]] = strings.NewReplacer(`\=`, "=", `\\`, `\`, `\n`, "\n", `\r`, "\r").Replace(raw)
	}
	if strings.ContainsAny(line, "\n\r") {
		return nil, nil, "line break inside the line"
	}
	return header, ext, ""
}

// TestEscaping: "|" and "\" in header fields, "=", "\" and line breaks in
// extension values survive a parse.
func TestEscaping(t *testing.T) {
	r := reporttest.Representative()
	r.Findings.Update(0, func(f *audit.Finding) { f.Title = `pipe | and \ backslash` })
	r.Assets[1].Name = `a=b\c`
	r.Findings.Update(0, func(f *audit.Finding) { f.Message = "two\nlines" })
	line := nonEmpty(write(t, r))[0]
	header, ext, err := parse(line)
	if err != "" {
		t.Fatalf("%s: %s", err, line)
	}
	if header[5] != r.Findings.At(0).Title || header[4] != "CE-PRIV-001" || header[6] != "10" {
		t.Errorf("header = %q", header)
	}
	if ext["cs1"] != `a=b\c` || ext["externalId"] != r.Findings.At(0).ID || !strings.Contains(ext["msg"], "two\nlines") {
		t.Errorf("extension = %q", ext)
	}
}
