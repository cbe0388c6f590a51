package vmx

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Setting is one key of a .vmx file.
type Setting struct {
	// Key is the name as written (VMware compares names without regard
	// to case).
	Key string
	// Value is the value with quotes removed and |XX escapes decoded.
	Value string
	// Line is the 1-based line the value comes from.
	Line int
}

// Config is a parsed .vmx file: its settings by lower-case name. A Config
// is read-only once Parse returns it.
type Config struct {
	settings map[string]Setting
	// Notes are harmless remarks about the file ("line 12: ..."): a
	// repeated key, a word that is not a boolean, a value that is not
	// UTF-8. They never hold values.
	Notes []string
}

// Parse reads a .vmx file in VMware's dictionary format (open-vm-tools
// lib/dict/dictll.c, DictLL_UnmarshalLine): each line is blank, a `#`
// comment, or `name = value` where
//
//   - name is a run of characters other than space, tab, `=` and `#`,
//     compared without regard to case;
//   - value is either `"…"` (any characters but `"`, on one line) or a
//     bare run of characters other than space, tab and `#`, or nothing
//     (the empty string);
//   - spaces and tabs may surround name, `=` and value, and a `#`
//     comment may follow the value;
//   - `|XX` (two hexadecimal digits) in a value stands for the byte XX,
//     which is how VMware writes `"`, `|`, `#` and control characters;
//     any other `|` is literal.
//
// A UTF-8 byte-order mark and CR before LF are ignored. Any other line is
// a syntax error, which VMware also refuses: the error names the line
// (never a value) and is one line long. A repeated key keeps the later
// value and adds a note; values that are not UTF-8 are read as
// ISO-8859-1 with a note.
func Parse(data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fmt.Errorf("line %d: NUL byte: not a text file", bytes.Count(data[:i], []byte("\n"))+1)
	}
	c := &Config{settings: map[string]Setting{}}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		key, value, ok, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !ok {
			continue
		}
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			key, value = latin1(key), latin1(value)
			c.Notes = append(c.Notes, fmt.Sprintf("line %d: %s is not UTF-8; read as ISO-8859-1", n, key))
		}
		lower := strings.ToLower(key)
		if prev, dup := c.settings[lower]; dup {
			c.Notes = append(c.Notes, fmt.Sprintf(
				"line %d: %s repeats line %d; the later value is used (VMware refuses to load a file that repeats a key)",
				n, key, prev.Line))
		}
		c.settings[lower] = Setting{Key: key, Value: value, Line: n}
	}
	if len(c.settings) == 0 {
		return nil, fmt.Errorf("no settings: not a VMware configuration file")
	}
	return c, nil
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' }

// parseLine splits one line; ok is false for blank and comment lines.
func parseLine(line string) (key, value string, ok bool, err error) {
	i := 0
	skip := func() {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
	}
	skip()
	if i == len(line) || line[i] == '#' {
		return "", "", false, nil
	}
	start := i
	for i < len(line) && !isSpace(line[i]) && line[i] != '=' && line[i] != '#' {
		i++
	}
	key = line[start:i]
	if key == "" {
		return "", "", false, fmt.Errorf("syntax error: no name before =")
	}
	skip()
	if i == len(line) || line[i] != '=' {
		return "", "", false, fmt.Errorf("syntax error: expected = after %s", printable(key))
	}
	i++
	skip()
	if i < len(line) && line[i] == '"' {
		end := strings.IndexByte(line[i+1:], '"')
		if end < 0 {
			return "", "", false, fmt.Errorf("syntax error: the value of %s has no closing quote", printable(key))
		}
		value = line[i+1 : i+1+end]
		i += end + 2
	} else {
		start := i
		for i < len(line) && !isSpace(line[i]) && line[i] != '#' {
			i++
		}
		value = line[start:i]
	}
	skip()
	if i < len(line) && line[i] != '#' {
		return "", "", false, fmt.Errorf("syntax error: text after the value of %s", printable(key))
	}
	return key, unescape(value), true, nil
}

// unescape decodes |XX escapes exactly as open-vm-tools Escape_Undo does:
// `|` followed by two hexadecimal digits is that byte; a `|` not followed
// by two hexadecimal digits is kept, and the characters after it are not
// examined for a new escape until the two-character window has passed.
func unescape(s string) string {
	if !strings.Contains(s, "|") {
		return s
	}
	var b strings.Builder
	state, start := 0, 0
	var h byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case 0:
			if c == '|' {
				state = 1
			}
		case 1:
			if v, ok := hexValue(c); ok {
				h, state = v, 2
			} else {
				state = 0
			}
		case 2:
			if l, ok := hexValue(c); ok {
				b.WriteString(s[start : i-2])
				b.WriteByte(h<<4 | l)
				start = i + 1
			}
			state = 0
		}
	}
	b.WriteString(s[start:])
	return b.String()
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// latin1 reads s as ISO-8859-1 when it is not valid UTF-8.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// printable quotes a key for an error message.
func printable(key string) string {
	return fmt.Sprintf("%q", latin1(key))
}

// ParseBool reads a value the way VMware's Dictionary_StringToBool does:
// true, t, yes, y, on (any case), 1 and the empty string are true; false,
// f, no, n, off (any case) and 0 are false; anything else is false with ok
// false (VMware posts "is not a valid boolean value. Using value FALSE").
func ParseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "", "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}

// Get returns the value of key (any case) and whether the file sets it.
func (c *Config) Get(key string) (string, bool) {
	s, ok := c.settings[strings.ToLower(key)]
	return s.Value, ok
}

// Setting returns the whole setting of key (any case).
func (c *Config) Setting(key string) (Setting, bool) {
	s, ok := c.settings[strings.ToLower(key)]
	return s, ok
}

// Bool returns key read as a VMware boolean, or def when the file does not
// set it; set says whether it does.
func (c *Config) Bool(key string, def bool) (value, set bool) {
	v, ok := c.Get(key)
	if !ok {
		return def, false
	}
	b, _ := ParseBool(v)
	return b, true
}

// Keys returns the lower-case names the file sets, sorted.
func (c *Config) Keys() []string {
	keys := make([]string, 0, len(c.settings))
	for k := range c.settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
