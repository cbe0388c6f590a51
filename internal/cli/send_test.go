package cli

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/isoaudit/isoaudit/schema/schematest"
)

// downAddr is a loopback address nothing listens on.
func downAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestSendUsageErrors(t *testing.T) {
	risky := testdata("risky.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scheme", []string{"--send", "syslog://h:514"}, `unknown scheme "syslog"`},
		{"no port", []string{"--send", "syslog+tcp://127.0.0.1"}, "need a port"},
		{"password in URL", []string{"--send", "https://u:hunter2@h/"}, "credentials in the URL"},
		{"token env unset", []string{"--send", "https://h/", "--send-token-env", "ISOAUDIT_TEST_UNSET_TOKEN"}, "ISOAUDIT_TEST_UNSET_TOKEN: the variable is not set"},
		{"token file missing", []string{"--send", "https://h/", "--send-token-file", "/nonexistent/token"}, "/nonexistent/token"},
		{"both token sources", []string{"--send", "https://h/", "--send-token-env", "X", "--send-token-file", "Y"}, "not both"},
		{"token without send", []string{"--send-token-env", "X"}, "need --send"},
		{"bad CA", []string{"--send", "https://h/", "--send-ca", risky}, "no PEM certificate"},
		{"zero attempts", []string{"--send", "https://h/", "--send-attempts", "0"}, "--send-attempts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := run(t, "", append([]string{"scan", "--inspect", risky, "-o", "json=" + out}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, "hunter2") {
				t.Error("the password leaked")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a usage error left a report behind")
			}
		})
	}
}

// TestSendDownReceiverExit4: a receiver that is down is retried, then the
// run exits 4 with the report written locally; a tripped gate still wins.
func TestSendDownReceiverExit4(t *testing.T) {
	risky := testdata("risky.json")
	down := "syslog+tcp://" + downAddr(t)
	tests := []struct {
		name  string
		extra []string
		want  int
	}{
		{"delivery failure", nil, ExitDelivery},
		{"gate wins over delivery", []string{"--fail-on", "critical"}, ExitGate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"scan", "--inspect", risky, "-o", "json=" + out, "--send", down,
				"--send-attempts", "3", "--send-backoff", "5ms", "--log-level", "warn"}, tc.extra...)
			code, _, stderr := run(t, "", args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d: %s", code, tc.want, stderr)
			}
			if n := strings.Count(stderr, "delivery failed, retrying"); n != 2 {
				t.Errorf("%d retries logged, want 2:\n%s", n, stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("local report not written: %v", err)
			}
			schematest.RequireValidReport(t, data)
			if tc.want == ExitDelivery && !strings.Contains(stderr, "isoaudit: delivery failed: "+down) {
				t.Errorf("stderr lacks the final one-line error:\n%s", stderr)
			}
		})
	}
}

// TestSendTokenNeverShown: the token reaches the receiver's header but no
// output, log line or error, even when the receiver refuses it.
func TestSendTokenNeverShown(t *testing.T) {
	const token = "tok-never-printed-7c2e"
	var got atomic.Value
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got.Store(req.Header.Get("Authorization"))
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "invalid token")
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pemCert(srv.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ISOAUDIT_TEST_TOKEN", token)
	code, stdout, stderr := run(t, "", "scan", "--inspect", testdata("risky.json"), "-o", "json", "--log-level", "debug",
		"--send", "splunk+"+srv.URL, "--send-token-env", "ISOAUDIT_TEST_TOKEN", "--send-ca", ca)
	if code != ExitDelivery || !strings.Contains(stderr, "403 Forbidden") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got.Load() != "Splunk "+token {
		t.Errorf("receiver got Authorization %q", got.Load())
	}
	if strings.Contains(stdout+stderr, token) {
		t.Error("the token leaked into the output or a log line")
	}
}
