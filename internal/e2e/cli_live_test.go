package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// TestLiveNoSecretInAnyOutputOrLog runs a container whose environment holds
// a password, scans the real daemon through the CLI with every output
// format and debug logging in both log formats, and proves the value
// appears nowhere while the variable's name does.
func TestLiveNoSecretInAnyOutputOrLog(t *testing.T) {
	livetest.Docker(t)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	secret := "hunter2-" + hex.EncodeToString(b)
	name := livetest.Container(t, "secret-env", &container.Config{
		Env:    []string{"DB_PASSWORD=" + secret, "API_TOKEN=" + secret},
		Labels: map[string]string{"db.password": secret},
	}, &container.HostConfig{}, true)

	dir := t.TempDir()
	for _, logFormat := range []string{"console", "json"} {
		args := []string{"scan", "--docker-host", dockerHost(), "--all", "--log-level", "debug", "--log-format", logFormat}
		var files []string
		for _, format := range report.Formats() {
			p := filepath.Join(dir, logFormat+"-report."+format)
			files = append(files, p)
			args = append(args, "-o", format+"="+p)
		}
		code, stdout, stderr := runCLI(t, append(args, "-o", "table")...)
		if code != cli.ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		everything := stdout + stderr
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			everything += string(data)
		}
		if strings.Contains(everything, secret) {
			t.Errorf("log format %s: the secret value leaked into an output or a log line", logFormat)
		}
		if !strings.Contains(everything, name) || !strings.Contains(stderr, "scan finished") {
			t.Errorf("sanity: container %s not reported or no debug log written", name)
		}
	}
}

// TestLiveJSONValidatesAgainstSchema validates a real scan's JSON report.
func TestLiveJSONValidatesAgainstSchema(t *testing.T) {
	livetest.Docker(t)
	livetest.Container(t, "schema", nil, &container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}}, true)
	code, stdout, stderr := runCLI(t, "scan", "--docker-host", dockerHost(), "--all", "-o", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	schematest.RequireValidReport(t, []byte(stdout))
	var r audit.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) == 0 || r.Sources[0].Status != "ok" {
		t.Fatalf("report: %d assets, sources %+v", len(r.Assets), r.Sources)
	}
}

// TestLiveGateExitCodes runs the CLI against the real daemon holding a
// container with the Docker socket mounted.
func TestLiveGateExitCodes(t *testing.T) {
	livetest.Docker(t)
	livetest.Container(t, "gate", nil, &container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro"}}, true)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--fail-on", "critical"}, cli.ExitGate},
		{[]string{"--max-risk", "89"}, cli.ExitGate},
		{[]string{"--fail-on", "critical", "-o", "json"}, cli.ExitGate},
	} {
		code, _, stderr := runCLI(t, append([]string{"scan", "--docker-host", dockerHost(), "-o", "json=" + filepath.Join(t.TempDir(), "r.json")}, tc.args...)...)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.want, stderr)
		}
	}
}

func dockerHost() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}
