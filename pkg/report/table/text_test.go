package table

import (
	"strings"
	"testing"
)

func TestFirstSentence(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"one sentence", "Drop CAP_SYS_ADMIN.", "Drop CAP_SYS_ADMIN."},
		{"two sentences", "Drop it. Then restart.", "Drop it."},
		{"no full stop", "Use --cap-drop ALL", "Use --cap-drop ALL"},
		{"abbreviation", "Use a sandbox (e.g. gVisor) for untrusted code. More text.", "Use a sandbox (e.g. gVisor) for untrusted code."},
		{"file name is not a sentence end", "Edit /etc/docker/daemon.json and restart dockerd. Then re-run.", "Edit /etc/docker/daemon.json and restart dockerd."},
		{"hard-wrapped first line", "Remove the mount\nof the Docker socket. Use a proxy.", "Remove the mount of the Docker socket."},
		{"first paragraph only", "Disable VNC\n\nor set a password.", "Disable VNC"},
		{"stops at a list", "Do both:\n- drop caps\n- add seccomp", "Do both:"},
		{"starts with a list", "- drop caps\n- add seccomp", "drop caps"},
		{"starts with a numbered list", "1) drop caps\n2) add seccomp", "drop caps"},
		{"stops at a code block", "Run it without the flag:\n```\ndocker run app\n```", "Run it without the flag:"},
		{"starts with a code block", "```\ndocker run --cap-drop ALL app\n```\nThen check.", "docker run --cap-drop ALL app"},
		{"question", "Is the socket needed? Remove it otherwise.", "Is the socket needed?"},
		{"empty", "  \n ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := firstSentence(tc.in); got != tc.want {
				t.Errorf("firstSentence(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormatActual(t *testing.T) {
	type mount struct {
		Source string `json:"source"`
		RW     bool   `json:"rw"`
	}
	many := make([]string, 40)
	for i := range many {
		many[i] = "CAP_" + strings.Repeat("X", i%5+1)
	}
	tests := []struct {
		name   string
		v      any
		budget int
		want   string
	}{
		{"bool", false, 50, "false"},
		{"string", "unconfined", 50, "unconfined"},
		{"empty string", "", 50, `""`},
		{"int", 0, 50, "0"},
		{"large int keeps digits", int64(9007199254740993), 50, "9007199254740993"},
		{"float", 0.25, 50, "0.25"},
		{"nil", nil, 50, "null"},
		{"list", []string{"SYS_ADMIN", "NET_ADMIN"}, 50, "[SYS_ADMIN, NET_ADMIN]"},
		{"empty list", []int{}, 50, "[]"},
		{"long list", many, 40, "[CAP_X, CAP_XX, CAP_XXX, +37 more]"},
		{"struct", mount{"/etc", true}, 50, "{rw: true, source: /etc}"},
		{"long string", strings.Repeat("word ", 30), 30, "word word word word word..."},
		{"control characters", "a\x1b[31mb", 50, `a\x1b[31mb`},
		{"unencodable", make(chan int), 50, "<"}, // printed with %v, whatever it is
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formatActual(tc.v, tc.budget)
			if tc.name == "unencodable" {
				if got == "" {
					t.Error("empty rendering")
				}
				return
			}
			if got != tc.want {
				t.Errorf("formatActual(%v, %d) = %q, want %q", tc.v, tc.budget, got, tc.want)
			}
			if width(got) > tc.budget {
				t.Errorf("%q is over its budget of %d", got, tc.budget)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "web-1", "web-1"},
		{"unicode kept", "café · ×", "café · ×"},
		{"escape sequence", "\x1b[2J", `\x1b[2J`},
		{"newline and tab", "a\nb\tc", `a\nb\tc`},
		{"C1 control", "a\u009bb", `a\x9bb`},
		{"bidi override", "abc\u202edef", `abc\u202edef`},
		{"invalid utf-8", "a\xffb", `a\xffb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 30)
	lines := wrap("    error: ", long, "      ")
	if len(lines) < 3 {
		t.Fatalf("wrap gave %d lines", len(lines))
	}
	for i, l := range lines {
		if width(l) > maxWidth {
			t.Errorf("line %d is %d wide", i, width(l))
		}
		if i > 0 && !strings.HasPrefix(l, "      lorem") && !strings.HasPrefix(l, "      ipsum") {
			t.Errorf("continuation line %d not indented: %q", i, l)
		}
	}
	if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); got != "error: "+strings.TrimSpace(long) {
		t.Error("wrap lost or changed words")
	}
	path := "/" + strings.Repeat("x", 200)
	if got := wrap("  ", path, "    "); len(got) != 1 || got[0] != "  "+path {
		t.Errorf("an unbreakable word must stay whole on its line, got %q", got)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "short", 10, "short"},
		{"word boundary", "alpha beta gamma delta", 15, "alpha beta..."},
		{"no space", strings.Repeat("x", 20), 10, "xxxxxxx..."},
		{"runes not bytes", "ééééééé", 7, "ééééééé"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := truncate(tc.in, tc.n); got != tc.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
