package docker

import (
	"context"
	"fmt"
	"testing"

	"github.com/isoaudit/isoaudit/internal/livetest"
)

// BenchmarkCollectLive32 scans a daemon with at least 32 running
// containers. Compare with `time docker inspect $(docker ps -q)`; the
// target (DESIGN.md) is within 2x of it.
func BenchmarkCollectLive32(b *testing.B) {
	c := liveCollector(b, nil)
	for i := range 32 {
		livetest.Container(b, fmt.Sprintf("bench-%02d", i), nil, nil, true)
	}
	ctx := context.Background()
	if _, err := c.Collect(ctx); err != nil { // connect and negotiate once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		batch, err := c.Collect(ctx)
		if err != nil || len(batch.Assets) < 32 {
			b.Fatalf("Collect: %d assets, %v", len(batch.Assets), err)
		}
	}
}

// BenchmarkCollectLive32Cold includes client creation and API version
// negotiation, as one CLI invocation would.
func BenchmarkCollectLive32Cold(b *testing.B) {
	livetest.Docker(b)
	for i := range 32 {
		livetest.Container(b, fmt.Sprintf("bench-cold-%02d", i), nil, nil, true)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, err := New(DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Collect(ctx); err != nil {
			b.Fatal(err)
		}
		_ = c.Close()
	}
}
