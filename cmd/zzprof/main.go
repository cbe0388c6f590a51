package main

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/isoaudit/isoaudit/internal/cli"
)

func main() {
	var peak uint64
	go func() {
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak+16<<20 {
				peak = m.HeapInuse
				f, _ := os.Create("/tmp/heap.prof")
				pprof.WriteHeapProfile(f)
				f.Close()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	cli.Run(context.Background(), os.Args[1:], cli.Streams{In: os.Stdin, Out: io.Discard, Err: os.Stderr})
	println("peak heap inuse MiB", peak>>20)
}
