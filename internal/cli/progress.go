package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress shows, on one rewritten line of stderr, how many sources a
// scan has read so far and how long it has run. It is only used on a
// terminal with console logs: never when stderr is piped or logs are
// JSON, so nothing but log records reaches a log collector.
type progress struct {
	w     io.Writer
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup

	once                sync.Once
	mu                  sync.Mutex
	done, total, failed int
	last                string
	shown               bool
	refresh, delay      time.Duration
}

// newProgress starts a progress line on w, first drawn after a short
// delay so quick scans never show one, then redrawn every refresh.
func newProgress(w io.Writer, total int) *progress {
	return startProgress(w, total, 500*time.Millisecond, 250*time.Millisecond)
}

func startProgress(w io.Writer, total int, delay, refresh time.Duration) *progress {
	p := &progress{w: w, start: time.Now(), stop: make(chan struct{}), total: total, refresh: refresh, delay: delay}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.refresh)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if time.Since(p.start) >= p.delay {
				p.draw()
			}
			p.mu.Unlock()
		}
	}
}

// update records that a source finished; it is safe for concurrent use
// (scan calls it from each collector's goroutine).
func (p *progress) update(done, total int, endpoint string, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total, p.last = done, total, endpoint
	if failed {
		p.failed++
	}
	if p.shown {
		p.draw()
	}
}

// draw rewrites the line; the caller holds mu.
func (p *progress) draw() {
	line := fmt.Sprintf("scanning: %d/%d sources read", p.done, p.total)
	if p.failed > 0 {
		line += fmt.Sprintf(", %d failed", p.failed)
	}
	line += fmt.Sprintf(" · %s", time.Since(p.start).Round(100*time.Millisecond))
	if p.last != "" && p.done < p.total {
		line += " · last: " + truncateRunes(p.last, 40)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// finish stops redrawing and erases the line, so the report and any
// later message start on a clean line.
func (p *progress) finish() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.shown {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
	})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
