//go:build goexperiment.jsonv2

package imagescan

import (
	"os"
	"testing"
	"time"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	bolt "go.etcd.io/bbolt"
)

// fixtureVuln is the one advisory of the fixture DB: jq on Alpine 3.22,
// fixed in 1.7.1-r1, rated high by Alpine.
const (
	fixtureCVE   = "CVE-2099-0001"
	fixtureFixed = "1.7.1-r1"
)

// writeFixtureDB writes a trivy DB with fixtureCVE the way trivy-db's
// own builders do (advisory detail, then SaveAdvisoryDetails), plus a
// fresh metadata.json, and returns its directory. It leaves the global
// DB handle closed.
func writeFixtureDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := trivydb.Init(dir); err != nil {
		t.Fatalf("create fixture DB: %v", err)
	}
	dbc := trivydb.Config{}
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		if err := dbc.PutDataSource(tx, "alpine 3.22", dbtypes.DataSource{ID: "alpine", Name: "Alpine Secdb",
			URL: "https://secdb.alpinelinux.org/"}); err != nil {
			return err
		}
		if err := dbc.PutAdvisoryDetail(tx, fixtureCVE, "jq", []string{"alpine 3.22"},
			dbtypes.Advisory{FixedVersion: fixtureFixed}); err != nil {
			return err
		}
		if err := dbc.SaveAdvisoryDetails(tx, fixtureCVE); err != nil {
			return err
		}
		return dbc.PutVulnerability(tx, fixtureCVE, dbtypes.Vulnerability{
			Title: "jq: fixture heap overflow", Severity: "HIGH",
			VendorSeverity: dbtypes.VendorSeverity{"alpine": dbtypes.SeverityHigh},
		})
	})
	if err != nil {
		t.Fatalf("fill fixture DB: %v", err)
	}
	if err := dbc.DeleteAdvisoryDetailBucket(); err != nil {
		t.Fatalf("fixture DB: %v", err)
	}
	if err := trivydb.Close(); err != nil {
		t.Fatalf("close fixture DB: %v", err)
	}
	now := time.Now().UTC()
	if err := metadata.NewClient(dir).Update(metadata.Metadata{Version: trivydb.SchemaVersion,
		NextUpdate: now.Add(24 * time.Hour), UpdatedAt: now, DownloadedAt: now}); err != nil {
		t.Fatalf("fixture DB metadata: %v", err)
	}
	if _, err := os.Stat(trivydb.Path(dir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// alpineFiles are the files that make an image Alpine 3.22 with jq at
// version jq (trivy's OS and apk analyzers read them).
func alpineFiles(jq string) map[string]string {
	return map[string]string{
		"etc/alpine-release": "3.22.1\n",
		"etc/os-release": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.1\n" +
			"PRETTY_NAME=\"Alpine Linux v3.22\"\nHOME_URL=\"https://alpinelinux.org/\"\n",
		"lib/apk/db/installed": "C:Q1fixturechecksumAAAAAAAAAAAAAAAA=\nP:jq\nV:" + jq + "\nA:x86_64\nS:150000\nI:300000\n" +
			"T:Lightweight and flexible command-line JSON processor\nU:https://jqlang.github.io/jq/\nL:MIT\no:jq\n" +
			"m:fixture\nt:1700000000\nc:0000000000000000000000000000000000000000\n\n",
	}
}
