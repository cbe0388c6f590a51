package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressOnlyOnATerminal runs the real binary on a pseudo-terminal
// (util-linux script) with an endpoint that stays silent for two seconds:
// the progress line appears on the terminal and is erased before the
// report; with --log-format json, or with stderr piped, it never appears.
func TestProgressOnlyOnATerminal(t *testing.T) {
	scriptTool, err := exec.LookPath("script")
	if err != nil {
		t.Skip("util-linux script not installed: no pseudo-terminal to test on")
	}
	bin := buildIsoaudit(t)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inspect", "risky.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "saved.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "fleet.yaml")
	fleet := fmt.Sprintf("endpoints:\n  - {name: saved, inspect: saved.json}\n  - {name: silent, docker: \"tcp://%s\", timeout: 2s}\n", silent.Addr())
	if err := os.WriteFile(inv, []byte(fleet), 0o600); err != nil {
		t.Fatal(err)
	}
	scan := bin + " scan --inventory " + inv + " -o json=" + filepath.Join(dir, "r.json")

	onTTY := func(cmdline string) string {
		out, _ := exec.Command(scriptTool, "-qec", cmdline, "/dev/null").CombinedOutput()
		return string(out)
	}
	out := onTTY(scan)
	if !strings.Contains(out, "\r\x1b[Kscanning: 1/2 sources read · ") {
		t.Errorf("no progress line on the terminal:\n%q", out)
	}
	if i, j := strings.LastIndex(out, "scanning:"), strings.LastIndex(out, "\r\x1b[K"); j < i {
		t.Errorf("the progress line is not erased at the end:\n%q", out)
	}
	if out := onTTY(scan + " --log-format json"); strings.Contains(out, "scanning:") {
		t.Errorf("progress with --log-format json:\n%q", out)
	}
	piped, _ := exec.Command("sh", "-c", scan+" 2>&1 | cat").CombinedOutput()
	if strings.Contains(string(piped), "scanning:") || strings.Contains(string(piped), "\r") {
		t.Errorf("progress into a pipe:\n%q", piped)
	}
}
