// Package yamlfile decodes the YAML files users write (policies, waivers,
// inventories) strictly, and reports every problem with its line.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong in a file, at a line
// (0 when the file as a whole is wrong).
type Problem struct {
	Line    int
	Message string
}

// String is "line N: message", on one line whatever the file held.
func (p Problem) String() string {
	msg := lineBreaks.Replace(p.Message)
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, msg)
	}
	return msg
}

// lineBreaks escapes the line breaks a value quoted from the file may
// carry, so every error stays one line.
var lineBreaks = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// FileError lists every problem found in one file, in line order. Its
// Error is one line; Problems gives them one by one.
type FileError struct {
	File     string
	Problems []Problem
}

func (e *FileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("%s: %s", e.File, strings.Join(parts, "; "))
}

// Problems collects Problems while a file is validated.
type Problems []Problem

// Add records a problem at line (0: the whole file).
func (ps *Problems) Add(line int, format string, args ...any) {
	*ps = append(*ps, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// Err returns a *FileError listing the problems in line order, or nil.
func (ps Problems) Err(file string) error {
	if len(ps) == 0 {
		return nil
	}
	sorted := append([]Problem(nil), ps...)
	// Stable insertion sort by line: files are short.
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j].Line < sorted[j-1].Line; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	return &FileError{File: file, Problems: sorted}
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// DecodeStrict decodes one YAML document into out, rejecting unknown keys,
// and also returns the document's node tree so validation can name the
// line of each value. Unknown keys and wrongly typed values come back as
// Problems, with out decoded as far as it could be, so validation can go
// on and report everything at once; a file that cannot be read as YAML at
// all is a *FileError.
func DecodeStrict(data []byte, file string, out any) (*yaml.Node, Problems, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, yamlProblems(err).Err(file)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil, (Problems{{Message: "file is empty"}}).Err(file)
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, nil, (Problems{{Line: root.Content[0].Line, Message: "want a mapping of keys at the top level"}}).Err(file)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var ps Problems
	if err := dec.Decode(out); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, nil, yamlProblems(err).Err(file)
		}
		ps = yamlProblems(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, (Problems{{Line: extra.Line, Message: "a second YAML document: one document per file"}}).Err(file)
	}
	return root.Content[0], ps, nil
}

// yamlProblems splits a yaml.v3 error into one Problem per line it names.
func yamlProblems(err error) Problems {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var ps Problems
	for _, m := range msgs {
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			n, _ := strconv.Atoi(g[1])
			ps.Add(n, "%s", cleanYAMLMessage(g[2]))
			continue
		}
		ps.Add(0, "%s", cleanYAMLMessage(m))
	}
	return ps
}

// cleanYAMLMessage drops Go type names from yaml.v3's messages, which mean
// nothing to someone editing the file.
func cleanYAMLMessage(m string) string {
	if i := strings.Index(m, " not found in type "); i >= 0 {
		return m[:i] + " is not a known key"
	}
	if i := strings.Index(m, " into "); i >= 0 && strings.HasPrefix(m, "cannot unmarshal ") {
		return "wrong type: " + strings.TrimPrefix(m[:i], "cannot unmarshal ") + " where " + goTypeName(m[i+len(" into "):]) + " is expected"
	}
	return m
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	}
	return t
}

// MappingValue returns the value node of key in a mapping node, or nil.
func MappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// LineOf is the line of key's value in mapping n, else n's own line.
func LineOf(n *yaml.Node, key string) int {
	if v := MappingValue(n, key); v != nil {
		return v.Line
	}
	if n != nil {
		return n.Line
	}
	return 0
}
