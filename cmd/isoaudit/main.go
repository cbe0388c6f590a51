// Command isoaudit audits containers and virtual machines for escape risk.
// All behaviour lives in internal/cli and pkg/; main only maps the outcome
// to the process exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/isoaudit/isoaudit/internal/cli"
)

func main() {
	// The first SIGINT or SIGTERM cancels the scan, which then reports
	// what it read; the signals are released at once, so a second one
	// ends the process even if something does not heed the cancellation
	// (a read blocked on a pipe).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
