package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
)

// TestLiveInventoryFleet audits a fleet from one inventory file: the
// local daemon, a second daemon over TCP with mutual TLS (its own client
// certificates, named per endpoint), the same daemon with certificates of
// a CA that did not sign it, a port that refuses, a port that accepts and
// never answers (bounded by the endpoint's timeout), a Compose file and a
// missing file. The report keeps every reachable endpoint's assets and
// lists each dead one as a failed source; the exit code is 3.
func TestLiveInventoryFleet(t *testing.T) {
	livetest.Docker(t)
	local := livetest.Container(t, "wf-fleet", nil, &container.HostConfig{}, false)
	pki := newTLSPKI(t)
	d := startTLSDaemon(t, pki)
	remote := d.createSocketContainer(t)
	// No TLS from the environment: each endpoint names its own files.
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("HOME", pki.emptyHome)
	d.relay.setPhase(t.Name())

	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() { // accept and hold every connection, answering nothing
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	dir := t.TempDir()
	composeFile := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(composeFile, []byte("services:\n  web:\n    image: nginx:1.27\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "fleet.yaml")
	fleet := fmt.Sprintf(`defaults:
  timeout: 60s
  all: true
endpoints:
  - name: local
    docker: %s
  - name: tls-good
    docker: %s
    tls_cert_path: %s
  - name: tls-wrong-ca
    docker: %s
    tls_cert_path: %s
  - name: refused
    docker: tcp://127.0.0.1:1
  - name: silent
    docker: tcp://%s
    timeout: 2s
  - name: staged
    compose: compose.yaml
  - name: saved
    inspect: missing.json
`, dockerHost(), d.host, pki.client, d.host, pki.wrongCA, hang.Addr())
	if err := os.WriteFile(inv, []byte(fleet), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, "scan", "--inventory", inv, "-o", "json")
	if code != cli.ExitIncomplete {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	r := decodeLive(t, []byte(stdout))
	status := map[string][]audit.Source{}
	for _, s := range r.Sources {
		status[s.Endpoint] = append(status[s.Endpoint], s)
	}
	if s := status[dockerHost()]; len(s) != 1 || s[0].Status != audit.SourceOK {
		t.Errorf("local: %+v", s)
	}
	tls := status[d.host]
	if len(tls) != 2 || tls[0].Status != audit.SourceOK || tls[1].Status != audit.SourceError ||
		!strings.Contains(tls[1].Error, "certificate") {
		t.Errorf("TLS endpoints: %+v, want the good one ok and the wrong CA refused over a certificate", tls)
	}
	if s := status["tcp://127.0.0.1:1"]; len(s) != 1 || s[0].Status != audit.SourceError {
		t.Errorf("refused: %+v", s)
	}
	if s := status["tcp://"+hang.Addr().String()]; len(s) != 1 || s[0].Status != audit.SourceError || !strings.Contains(s[0].Error, "within 2s") {
		t.Errorf("silent: %+v, want an error naming its 2s timeout", s)
	}
	if s := status[filepath.Join(dir, "missing.json")]; len(s) != 1 || s[0].Status != audit.SourceError {
		t.Errorf("missing file: %+v (sources %+v)", s, r.Sources)
	}
	names := map[string]string{}
	for _, a := range r.Assets {
		names[a.Name] = a.Host
	}
	if _, ok := names[local]; !ok {
		t.Errorf("local container %s missing", local)
	}
	if h, ok := names[remote]; !ok || h != d.info.Name {
		t.Errorf("TLS daemon's container %s: host %q, want %q", remote, h, d.info.Name)
	}
	if _, ok := names["web"]; !ok {
		t.Error("compose service missing")
	}
	if len(r.Errors) < 4 {
		t.Errorf("errors = %+v, want one per dead endpoint", r.Errors)
	}
}
