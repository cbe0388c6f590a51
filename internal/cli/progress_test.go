package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressLine(t *testing.T) {
	var out syncBuffer
	p := startProgress(&out, 3, 0, 10*time.Millisecond)
	p.update(1, 3, "unix:///var/run/docker.sock", false)
	p.update(2, 3, "tcp://build-1:2376", true)
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(out.String(), "scanning: 2/3 sources read, 1 failed") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	p.finish()
	p.finish() // idempotent
	s := out.String()
	if !strings.Contains(s, "\r\x1b[Kscanning: 2/3 sources read, 1 failed · ") || !strings.Contains(s, "last: tcp://build-1:2376") {
		t.Errorf("progress = %q", s)
	}
	if !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("the line is not erased at the end: %q", s)
	}
}

func TestProgressQuietForQuickScans(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, 1)
	p.update(1, 1, "x", false)
	p.finish()
	if out.String() != "" {
		t.Errorf("a scan shorter than the delay drew %q", out.String())
	}
}

func TestNoProgressWhenPiped(t *testing.T) {
	// run() gives the CLI buffers, as a pipe would: stderr is no terminal.
	_, _, stderr := run(t, "", "scan", "--inspect", testdata("risky.json"), "--docker-host", "tcp://127.0.0.1:1")
	if strings.Contains(stderr, "scanning:") || strings.Contains(stderr, "\r") {
		t.Errorf("progress written to a non-terminal: %q", stderr)
	}
}
