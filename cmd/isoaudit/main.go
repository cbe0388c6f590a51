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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
