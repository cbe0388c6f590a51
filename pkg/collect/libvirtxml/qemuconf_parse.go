package libvirtxml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The kinds of qemu.conf values.
const (
	confString = iota + 1
	confNumber
	confList
)

// confValue is one parsed value. Numbers keep their sign apart so that
// "-0" and unsigned overflow are told as libvirt tells them.
type confValue struct {
	kind     int
	str      string
	num      uint64
	negative bool
	list     []confValue
}

// String renders the value as Raw stores it.
func (v confValue) String() string {
	switch v.kind {
	case confString:
		return v.str
	case confNumber:
		if v.negative {
			return "-" + strconv.FormatUint(v.num, 10)
		}
		return strconv.FormatUint(v.num, 10)
	}
	parts := make([]string, len(v.list))
	for i, item := range v.list {
		parts[i] = item.String()
	}
	return strings.Join(parts, ",")
}

// describe names the value in errors: numbers by value, strings and
// lists by kind only (a mistyped key may hold a password).
func (v confValue) describe() string {
	switch v.kind {
	case confString:
		return "a string"
	case confNumber:
		return v.String()
	}
	return "a list"
}

// confEntry is one "name = value" statement.
type confEntry struct {
	name  string
	value confValue
	line  int
}

// confParser is a recursive-descent parser of libvirt's virConf syntax
// (src/util/virconf.c, without the VMX and LXC variants).
type confParser struct {
	src  string
	pos  int
	line int
}

func (p *confParser) parse() ([]confEntry, error) {
	var entries []confEntry
	for {
		p.skipBlanksAndEOL()
		if p.eof() {
			return entries, nil
		}
		if p.peek() == '#' {
			p.skipComment()
			continue
		}
		e, err := p.statement()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", p.line, err)
		}
		entries = append(entries, e)
		if err := p.separator(); err != nil {
			return nil, fmt.Errorf("line %d: %w", p.line, err)
		}
	}
}

// statement parses "name = value [# comment]".
func (p *confParser) statement() (confEntry, error) {
	e := confEntry{line: p.line}
	start := p.pos
	if p.eof() || !isASCIILetter(p.peek()) {
		return e, errors.New("expecting a name")
	}
	for !p.eof() && (isASCIILetter(p.peek()) || isDigit(p.peek()) || p.peek() == '_') {
		p.pos++
	}
	e.name = p.src[start:p.pos]
	p.skipBlanks()
	if p.eof() || p.peek() != '=' {
		return e, fmt.Errorf("expecting an assignment after %s", e.name)
	}
	p.pos++
	p.skipBlanks()
	v, err := p.value()
	if err != nil {
		return e, err
	}
	e.value = v
	p.skipBlanks()
	if !p.eof() && p.peek() == '#' {
		p.skipComment()
	}
	return e, nil
}

// separator requires the end of the input, a line end or ";".
func (p *confParser) separator() error {
	p.skipBlanks()
	switch {
	case p.eof():
	case p.peek() == '\n' || p.peek() == '\r':
		p.skipBlanksAndEOL()
	case p.peek() == ';':
		p.pos++
		p.skipBlanksAndEOL()
	default:
		return errors.New("expecting a separator")
	}
	return nil
}

func (p *confParser) value() (confValue, error) {
	if p.eof() {
		return confValue{}, errors.New("expecting a value")
	}
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		s, err := p.string()
		return confValue{kind: confString, str: s}, err
	case c == '[':
		return p.list()
	case isDigit(c) || c == '-' || c == '+':
		return p.number()
	}
	return confValue{}, errors.New("expecting a value")
}

// string parses '…', "…" (neither may span lines) or """…""".
func (p *confParser) string() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], `"""`) {
		p.pos += 3
		end := strings.Index(p.src[p.pos:], `"""`)
		if end < 0 {
			return "", errors.New("unterminated string")
		}
		s := p.src[p.pos : p.pos+end]
		p.line += strings.Count(s, "\n")
		p.pos += end + 3
		return s, nil
	}
	quote := p.peek()
	p.pos++
	start := p.pos
	for !p.eof() && p.peek() != quote && p.peek() != '\n' && p.peek() != '\r' {
		p.pos++
	}
	if p.eof() || p.peek() != quote {
		return "", errors.New("unterminated string")
	}
	s := p.src[start:p.pos]
	p.pos++
	return s, nil
}

// list parses "[ v, v, … ]"; values may span lines, a trailing comma is
// allowed, comments are not.
func (p *confParser) list() (confValue, error) {
	p.pos++ // '['
	v := confValue{kind: confList, list: []confValue{}}
	p.skipBlanksAndEOL()
	for !p.eof() && p.peek() != ']' {
		if len(v.list) > 0 {
			if p.peek() != ',' {
				return v, errors.New("expecting a separator in list")
			}
			p.pos++
			p.skipBlanksAndEOL()
			if !p.eof() && p.peek() == ']' {
				break
			}
		}
		item, err := p.value()
		if err != nil {
			return v, err
		}
		v.list = append(v.list, item)
		p.skipBlanksAndEOL()
	}
	if p.eof() {
		return v, errors.New("list is not closed with ]")
	}
	p.pos++ // ']'
	return v, nil
}

func (p *confParser) number() (confValue, error) {
	v := confValue{kind: confNumber}
	switch p.peek() {
	case '-':
		v.negative = true
		p.pos++
	case '+':
		p.pos++
	}
	start := p.pos
	for !p.eof() && isDigit(p.peek()) {
		p.pos++
	}
	if start == p.pos {
		return v, errors.New("unterminated number")
	}
	n, err := strconv.ParseUint(p.src[start:p.pos], 10, 63)
	if err != nil {
		return v, errors.New("number out of range")
	}
	v.num = n
	return v, nil
}

func (p *confParser) eof() bool  { return p.pos >= len(p.src) }
func (p *confParser) peek() byte { return p.src[p.pos] }

func (p *confParser) skipBlanks() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

func (p *confParser) skipBlanksAndEOL() {
	for !p.eof() {
		switch p.peek() {
		case '\n':
			p.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		p.pos++
	}
}

func (p *confParser) skipComment() {
	for !p.eof() && p.peek() != '\n' && p.peek() != '\r' {
		p.pos++
	}
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
