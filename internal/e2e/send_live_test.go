package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestLiveSendEveryFinding scans the real daemon and ships the report to a
// real rsyslogd over TCP and UDP, and to a Splunk HEC and a webhook served
// over TLS in the test: every finding of the scan must arrive at each.
func TestLiveSendEveryFinding(t *testing.T) {
	livetest.Docker(t)
	rs := livetest.Rsyslog(t)
	livetest.Container(t, "send", nil, &container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}}, true)

	var mu sync.Mutex
	bodies := map[string][]byte{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		bodies[req.URL.Path] = b
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("hec-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.json")
	code, _, stderr := runCLI(t, "scan", "--docker-host", dockerHost(), "--all", "-o", "json="+out,
		"--send", "syslog+tcp://"+rs.TCPAddr, "--send", "syslog+udp://"+rs.UDPAddr,
		"--send", "splunk+"+srv.URL, "--send", srv.URL+"/hook",
		"--send-token-file", tokenFile, "--send-ca", ca)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep audit.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d findings from %d assets", rep.Findings.Len(), len(rep.Assets))
	if rep.Findings.Len() == 0 {
		t.Fatal("the scan has no findings")
	}

	lines := rs.WaitLines(2*rep.Findings.Len(), 15*time.Second)
	syslogSeen := map[string]int{}
	for _, l := range lines {
		if _, rest, ok := strings.Cut(l, `finding_id="`); ok {
			syslogSeen[rest[:64]]++
		}
	}
	var hecSeen []string
	dec := json.NewDecoder(bytes.NewReader(bodies["/services/collector/event"]))
	for dec.More() {
		var env struct {
			Event struct {
				FindingInfo struct {
					UID string `json:"uid"`
				} `json:"finding_info"`
			} `json:"event"`
		}
		if err := dec.Decode(&env); err != nil {
			t.Fatal(err)
		}
		hecSeen = append(hecSeen, env.Event.FindingInfo.UID)
	}
	if len(lines) != 2*rep.Findings.Len() || len(hecSeen) != rep.Findings.Len() {
		t.Errorf("%d findings: rsyslog wrote %d lines (want %d), HEC got %d events", rep.Findings.Len(), len(lines), 2*rep.Findings.Len(), len(hecSeen))
	}
	for i, f := range rep.Findings.All() {
		if syslogSeen[f.ID] != 2 {
			t.Errorf("finding %s %s reached rsyslog %d times, want 2 (tcp + udp)", f.CheckID, f.ID, syslogSeen[f.ID])
		}
		if i < len(hecSeen) && hecSeen[i] != f.ID {
			t.Errorf("HEC event %d is %s, want %s", i, hecSeen[i], f.ID)
		}
	}
	if !bytes.Equal(bodies["/hook"], data) {
		t.Error("the webhook did not get the JSON report as written locally")
	}
}
