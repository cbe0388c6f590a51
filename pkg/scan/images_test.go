package scan

import (
	"context"
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

// fakeImages marks every container's image scanned with one high CVE.
type fakeImages struct {
	calls  int
	status string
	errs   []audit.ScanError
}

func (f *fakeImages) ScanImages(_ context.Context, assets []audit.Asset) (audit.Source, []audit.ScanError) {
	f.calls++
	for _, a := range assets {
		if a.Container != nil {
			a.Container.Image.Scan = audit.ImageScan{Status: audit.ImageScanOK, Analyzed: true,
				Fixable: []audit.Vulnerability{{ID: "CVE-2099-0001", Severity: "high"}}}
		}
	}
	return audit.Source{Kind: "trivy", Endpoint: "/db", Status: f.status, Error: "boom"}, f.errs
}

const imageChecks = `id: T-IMG-001
title: untrusted
kind: container
severity: medium
description: d
remediation: r
references: {urls: [https://example.com]}
condition: '!container.image.trust.allowed'
unknown_when: '!container.image.trust.evaluated'
unknown_reason: no policy
evidence: [{path: p, value: container.image.trust.rule, expected: e}]
`

const vulnCheck = `id: T-IMG-002
title: vulnerable
kind: container
severity: high
description: d
remediation: r
references: {attack: [T1068]}
condition: size(container.image.scan.fixable) > 0
unknown_when: container.image.scan.status != 'ok'
unknown_reason: not scanned
evidence: [{path: p, value: 'container.image.scan.fixable.map(v, v.id)', expected: e}]
`

// TestRunAppliesTrustAndImageScanner: the trust policy and the image
// scanner run between collection and evaluation, so checks see both; the
// scanner's source and errors reach the report.
func TestRunAppliesTrustAndImageScanner(t *testing.T) {
	cat, err := catalog.Load(fstest.MapFS{"a.yaml": {Data: []byte(imageChecks)}, "b.yaml": {Data: []byte(vulnCheck)}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	trust := policy.Trust{AllowedRegistries: []string{"registry.example.com"}}
	if err := trust.Compile(); err != nil {
		t.Fatal(err)
	}
	hub := asset("hub", false)
	hub.Container.Image = audit.Image{Registry: "docker.io", Repo: "library/nginx"}
	own := asset("own", false)
	own.Container.Image = audit.Image{Registry: "registry.example.com", Repo: "app"}
	images := &fakeImages{status: audit.SourceError, errs: []audit.ScanError{{Source: "trivy /db", Message: "scan image x: failed"}}}
	rep, err := Run(context.Background(), Config{
		Collectors: []collect.Collector{fakeCollector{endpoint: "e", batch: &collect.Batch{Assets: []audit.Asset{hub, own}}}},
		Engine:     eng, Weights: score.DefaultWeights(), Gate: policy.NoGate(), Trust: &trust, Images: images,
		Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]audit.Status{}
	for _, f := range rep.Findings.All() {
		status[f.AssetID+" "+f.CheckID] = f.Status
	}
	want := map[string]audit.Status{
		"fake://h/hub T-IMG-001": audit.StatusFail, "fake://h/own T-IMG-001": audit.StatusPass,
		"fake://h/hub T-IMG-002": audit.StatusFail, "fake://h/own T-IMG-002": audit.StatusFail,
	}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("%s = %s, want %s", k, status[k], v)
		}
	}
	if images.calls != 1 {
		t.Errorf("scanner called %d times", images.calls)
	}
	if last := rep.Sources[len(rep.Sources)-1]; last.Kind != "trivy" || last.Status != audit.SourceError {
		t.Errorf("sources = %+v", rep.Sources)
	}
	if len(rep.Errors) != 2 || !rep.Incomplete() {
		t.Errorf("errors = %+v: the image error and the source error make the scan incomplete", rep.Errors)
	}
}

// TestRunSkipsImageScannerWithoutContainers: a scan of VMs only (or a
// failed daemon) adds no image source that could pass for a read source.
func TestRunSkipsImageScannerWithoutContainers(t *testing.T) {
	images := &fakeImages{status: audit.SourceOK}
	rep, err := Run(context.Background(), Config{
		Collectors: []collect.Collector{fakeCollector{endpoint: "e", batch: &collect.Batch{}}},
		Engine:     testEngine(t), Weights: score.DefaultWeights(), Gate: policy.NoGate(), Images: images,
	})
	if err != nil {
		t.Fatal(err)
	}
	if images.calls != 0 || len(rep.Sources) != 1 {
		t.Errorf("scanner calls %d, sources %+v", images.calls, rep.Sources)
	}
}
