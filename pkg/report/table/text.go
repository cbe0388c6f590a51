package table

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxWidth is the line budget; only long titles, paths and single words
// that cannot be broken go past it.
const maxWidth = 120

// ellipsis marks text cut to fit a line (ASCII, so plain output stays plain).
const ellipsis = "..."

// clean makes text from the report safe to print on a terminal: control
// characters (ESC above all, so a container name cannot inject escape
// sequences), bidirectional overrides and invalid UTF-8 are shown escaped.
func clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func isClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}

// prose cleans free text and folds all its whitespace (newlines included)
// into single spaces.
func prose(s string) string {
	return clean(strings.Join(strings.Fields(s), " "))
}

func width(s string) int { return utf8.RuneCountInString(s) }

func padRight(s string, n int) string {
	if w := width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// truncate shortens s to at most n runes, preferring a word boundary, and
// marks the cut with an ellipsis.
func truncate(s string, n int) string {
	if width(s) <= n {
		return s
	}
	if n <= len(ellipsis) {
		return string([]rune(s)[:n])
	}
	cut := string([]rune(s)[:n-len(ellipsis)])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + ellipsis
}

// wrap lays text out after prefix, breaking between words so no line
// passes maxWidth; continuation lines start with indent. A single word
// longer than a line (a path, a URL) is kept whole.
func wrap(prefix, text, indent string) []string {
	var lines []string
	cur, n, empty := prefix, width(prefix), true
	for _, word := range strings.Fields(text) {
		w := width(word)
		if !empty && n+1+w > maxWidth {
			lines = append(lines, cur)
			cur, n, empty = indent, width(indent), true
		}
		if !empty {
			cur, n = cur+" ", n+1
		}
		cur, n, empty = cur+word, n+w, false
	}
	return append(lines, strings.TrimRight(cur, " "))
}

// abbreviations end in a period without ending a sentence.
var abbreviations = []string{"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "incl."}

// firstSentence returns the first sentence of a remediation: its first
// paragraph, up to a list or the first full stop. Hard line breaks inside
// a paragraph (YAML block scalars) are folded into spaces.
func firstSentence(s string) string {
	var words []string
lines:
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "```"): // a code block: stop, or skip its fence
			if len(words) > 0 {
				break lines
			}
			continue
		case t == "" || isListItem(t):
			if len(words) > 0 {
				break lines
			}
			t = strings.TrimLeft(t, "-*0123456789.) ")
		}
		words = append(words, strings.Fields(t)...)
	}
	for i, w := range words {
		if !strings.HasSuffix(w, ".") && !strings.HasSuffix(w, "!") && !strings.HasSuffix(w, "?") {
			continue
		}
		if slices.Contains(abbreviations, strings.ToLower(strings.TrimLeft(w, "([{\"'"))) || i == len(words)-1 {
			continue
		}
		return strings.Join(words[:i+1], " ")
	}
	return strings.Join(words, " ")
}

func isListItem(line string) bool {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") {
		return true
	}
	digits := strings.TrimLeft(line, "0123456789")
	return len(digits) < len(line) && (strings.HasPrefix(digits, ". ") || strings.HasPrefix(digits, ") "))
}

// formatActual renders an evidence value compactly for one line: strings
// bare ("" when empty), lists as [a, b, +3 more], objects as {k: v}, within
// about budget runes. Any JSON-encodable value is accepted.
func formatActual(v any, budget int) string {
	return render(normalize(v), budget)
}

// normalize turns any value into the generic JSON shape (nil, bool, string,
// json.Number, []any, map[string]any) the report would carry.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return string(b)
	}
	return out
}

func render(v any, budget int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case string:
		if x == "" {
			return `""`
		}
		return truncate(prose(x), budget)
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = render(e, budget)
		}
		return "[" + fitItems(items, budget-2) + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = clean(k) + ": " + render(x[k], budget)
		}
		return "{" + fitItems(items, budget-2) + "}"
	default:
		return truncate(clean(fmt.Sprint(x)), budget)
	}
}

// fitItems joins items with ", " and, when they do not fit in budget,
// keeps as many as fit (at least one) followed by "+N more".
func fitItems(items []string, budget int) string {
	joined := strings.Join(items, ", ")
	if width(joined) <= budget {
		return joined
	}
	used := 0
	for i, it := range items {
		more := fmt.Sprintf("+%d more", len(items)-i-1)
		if i > 0 && used+width(it)+2+len(more)+2 > budget {
			return strings.Join(items[:i], ", ") + fmt.Sprintf(", +%d more", len(items)-i)
		}
		used += width(it) + 2
	}
	return joined
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// factor prints a mitigation factor without trailing zeros: 0.25, 0.5, 0.
func factor(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
