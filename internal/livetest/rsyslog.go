package livetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RsyslogServer is a private rsyslogd listening on loopback: TCP (RFC 6587
// octet-counted or LF-framed) and UDP. It writes one line per message it
// parsed as RFC 5424: "APP-NAME MSGID STRUCTURED-DATA".
type RsyslogServer struct {
	TCPAddr, UDPAddr string
	out              string
}

// Rsyslog starts rsyslogd (Debian's, installed by scripts/live-env.sh) as
// a plain process with a test config, stopped when the test ends. Without
// rsyslogd the test is skipped, or failed under ISOAUDIT_LIVE=require.
func Rsyslog(t testing.TB) *RsyslogServer {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/rsyslogd"); err != nil {
			if os.Getenv(EnvLive) == "require" {
				t.Fatalf("rsyslogd not installed (%s=require); run scripts/live-env.sh", EnvLive)
			}
			t.Skip("rsyslogd not installed; run scripts/live-env.sh")
		}
	}
	dir := t.TempDir()
	s := &RsyslogServer{
		TCPAddr: freeAddr(t, "tcp"),
		UDPAddr: freeAddr(t, "udp"),
		out:     filepath.Join(dir, "received.log"),
	}
	_, tcpPort, _ := net.SplitHostPort(s.TCPAddr)
	_, udpPort, _ := net.SplitHostPort(s.UDPAddr)
	conf := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port=%q)
input(type="imudp" address="127.0.0.1" port=%q rcvbufSize="8m")
template(name="fields" type="string" string="%%app-name%% %%msgid%% %%structured-data%%\n")
*.* action(type="omfile" file=%q template="fields")
`, dir, tcpPort, udpPort, s.out)
	confPath := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid"))
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rsyslogd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.TCPAddr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd did not listen on %s: %v\n%s", s.TCPAddr, err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitLines returns the lines rsyslogd has written once there are at least
// n, or what it has after timeout.
func (s *RsyslogServer) WaitLines(n int, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		data, _ := os.ReadFile(s.out)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) == 0 {
			lines = nil
		}
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
