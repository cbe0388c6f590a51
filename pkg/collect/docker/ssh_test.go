package docker

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestSSHTargetArgs(t *testing.T) {
	tests := []struct {
		host string
		want []string
	}{
		{"ssh://build-1", []string{"--", "build-1", "docker", "system", "dial-stdio"}},
		{"ssh://ops@build-1", []string{"-l", "ops", "--", "build-1", "docker", "system", "dial-stdio"}},
		{"ssh://ops@build-1:2222", []string{"-p", "2222", "-l", "ops", "--", "build-1", "docker", "system", "dial-stdio"}},
		{"ssh://[fd00::1]:22", []string{"-p", "22", "--", "fd00::1", "docker", "system", "dial-stdio"}},
		{"ssh://ops@build-1/run/user/1000/docker.sock", []string{"-l", "ops", "--", "build-1", "docker",
			"--host", "unix:///run/user/1000/docker.sock", "system", "dial-stdio"}},
		// A host that looks like an ssh option stays a host after "--".
		{"ssh://-oProxyCommand=x", []string{"--", "-oProxyCommand=x", "docker", "system", "dial-stdio"}},
	}
	for _, tt := range tests {
		target, err := parseSSHHost(tt.host)
		if err != nil {
			t.Errorf("parseSSHHost(%q): %v", tt.host, err)
			continue
		}
		if got := target.Args(); !slices.Equal(got, tt.want) {
			t.Errorf("Args(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestParseSSHHostRejects(t *testing.T) {
	for _, host := range []string{"ssh://ops:hunter2@build-1", "ssh://", "tcp://build-1"} {
		_, err := parseSSHHost(host)
		if err == nil {
			t.Errorf("parseSSHHost(%q): want an error", host)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("parseSSHHost error repeats the password: %v", err)
		}
	}
}

// TestCmdConn runs cat as the "remote" end: what is written comes back,
// and Close ends the process.
func TestCmdConn(t *testing.T) {
	target := sshTarget{Host: "local"}
	conn, err := target.dialCommand("cat")
	if err != nil {
		t.Skipf("cat not available: %v", err)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read back %q, %v", buf, err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if c := conn.(*cmdConn); c.cmd.ProcessState == nil {
		t.Error("Close did not reap the process")
	}
}
