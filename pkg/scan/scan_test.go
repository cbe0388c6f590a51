package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/score"
)

type fakeCollector struct {
	endpoint string
	batch    *collect.Batch
	err      error
}

func (f fakeCollector) Kind() string                                    { return "fake" }
func (f fakeCollector) Endpoint() string                                { return f.endpoint }
func (f fakeCollector) Collect(context.Context) (*collect.Batch, error) { return f.batch, f.err }

const privCheck = `id: T-PRIV-001
title: Privileged
kind: container
severity: critical
description: d
remediation: r
references: {attack: [T1611]}
condition: container.privileged
evidence: [{path: HostConfig.Privileged, value: container.privileged, expected: "false"}]
`

func testEngine(t *testing.T) *engine.Engine {
	cat, err := catalog.Load(fstest.MapFS{"p.yaml": {Data: []byte(privCheck)}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func asset(name string, privileged bool) audit.Asset {
	return audit.Asset{ID: "fake://h/" + name, Name: name, Kind: audit.KindContainer,
		Container: &audit.Container{Name: name, Privileged: privileged}, Host: &audit.Host{Known: true, Hostname: "h"}}
}

func TestRunKeepsOtherSourcesWhenOneFails(t *testing.T) {
	critical := audit.SeverityCritical
	cfg := Config{
		Collectors: []collect.Collector{
			fakeCollector{endpoint: "good", batch: &collect.Batch{Assets: []audit.Asset{asset("b", false), asset("a", true)},
				Notes: []string{"container x removed between list and inspect; skipped"}}},
			fakeCollector{endpoint: "bad", err: errors.New("list containers at bad: connection refused")},
			fakeCollector{endpoint: "partial", batch: &collect.Batch{Assets: []audit.Asset{asset("c", false)},
				Errors: []audit.ScanError{{Source: "fake partial", AssetID: "fake://h/d", Message: "inspect d: boom"}}}},
		},
		Skipped: []audit.Source{{Kind: "podman", Endpoint: "unix:///run/podman/podman.sock", Status: audit.SourceSkipped, Error: "socket not found"}},
		Engine:  testEngine(t), Weights: score.DefaultWeights(), Gate: policy.Gate{FailOn: &critical, MaxRisk: -1},
		Tool: audit.Tool{Name: "isoaudit", Version: "test"},
		Now:  func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sources) != 4 || r.Sources[0].Status != "ok" || r.Sources[1].Status != "error" || r.Sources[3].Status != "skipped" {
		t.Fatalf("sources = %+v", r.Sources)
	}
	if r.Sources[0].Assets != 2 || len(r.Sources[0].Notes) != 1 {
		t.Errorf("good source = %+v", r.Sources[0])
	}
	if len(r.Assets) != 3 || r.Assets[0].Name != "a" || r.Assets[0].Risk != 90 || r.Assets[0].Grade != "F" || r.Assets[1].Risk != 0 {
		t.Errorf("assets = %+v", r.Assets)
	}
	if len(r.Errors) != 2 || !r.Incomplete() {
		t.Errorf("errors = %+v, want the bad source and the partial inspect", r.Errors)
	}
	if r.Summary.MaxRisk != 90 || r.Summary.BySeverity["critical"] != 1 || r.Summary.ByStatus["pass"] != 2 {
		t.Errorf("summary = %+v", r.Summary)
	}
	if r.Summary.Gate.Result != "fail" {
		t.Errorf("gate = %+v", r.Summary.Gate)
	}
	if r.Findings.At(0).ID != audit.FindingID("T-PRIV-001", "h", "a") {
		t.Errorf("finding id = %q, want the stable hash of check, host and asset", r.Findings.At(0).ID)
	}
	if r.Findings.At(0).Weight != 0.9 {
		t.Errorf("finding weight = %v, want 0.9", r.Findings.At(0).Weight)
	}
	if !r.CreatedAt.Equal(cfg.Now()) {
		t.Errorf("created_at = %v", r.CreatedAt)
	}
}

func TestRunDedupesAssets(t *testing.T) {
	cfg := Config{
		Collectors: []collect.Collector{
			fakeCollector{endpoint: "one", batch: &collect.Batch{Assets: []audit.Asset{asset("a", false)}}},
			fakeCollector{endpoint: "two", batch: &collect.Batch{Assets: []audit.Asset{asset("a", false)}}},
		},
		Engine: testEngine(t), Weights: score.DefaultWeights(), Gate: policy.NoGate(),
	}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) != 1 || len(r.Errors) != 1 {
		t.Errorf("assets = %d, errors = %+v", len(r.Assets), r.Errors)
	}
}

func TestRunWithNothing(t *testing.T) {
	if _, err := Run(context.Background(), Config{Engine: testEngine(t)}); !errors.Is(err, ErrNothingToScan) {
		t.Errorf("err = %v", err)
	}
}

// blockingCollector waits until its context is cancelled.
type blockingCollector struct{}

func (blockingCollector) Kind() string     { return "slow" }
func (blockingCollector) Endpoint() string { return "never" }
func (blockingCollector) Collect(ctx context.Context) (*collect.Batch, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestRunCompileErrorCancelsCollection(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), Config{
			Collectors: []collect.Collector{blockingCollector{}},
			Compile:    func() (*engine.Engine, error) { return nil, errors.New("load team/x.yaml: boom") },
			Weights:    score.DefaultWeights(), Gate: policy.NoGate(),
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || err.Error() != "load team/x.yaml: boom" {
			t.Errorf("err = %v, want the compile error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a compile error did not cancel the pending collector")
	}
}

// hungCollector answers only when its context ends, like a daemon that
// accepts and never answers.
type hungCollector struct{}

func (hungCollector) Kind() string     { return "fake" }
func (hungCollector) Endpoint() string { return "hung" }
func (hungCollector) Collect(ctx context.Context) (*collect.Batch, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("list containers at hung: %w", ctx.Err())
}

// TestTimeoutKeepsWhatWasRead: the scan deadline gives up on sources
// still unread, and the assets already read are evaluated and reported
// all the same (they were lost when the deadline also cancelled the
// evaluation).
func TestTimeoutKeepsWhatWasRead(t *testing.T) {
	cfg := Config{
		Collectors: []collect.Collector{
			fakeCollector{endpoint: "good", batch: &collect.Batch{Assets: []audit.Asset{asset("a", true)}}},
			hungCollector{},
		},
		Engine: testEngine(t), Weights: score.DefaultWeights(), Gate: policy.NoGate(), Timeout: 100 * time.Millisecond,
	}
	start := time.Now()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s with a 100ms deadline", took)
	}
	if len(r.Assets) != 1 || r.Findings.Len() != 1 || r.Findings.Status(0) != audit.StatusFail {
		t.Errorf("the good source's results were lost: %d assets, %d findings", len(r.Assets), r.Findings.Len())
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "not read within the scan's 100ms deadline") {
		t.Errorf("errors %+v, want one entry for the hung source naming the deadline", r.Errors)
	}
}
