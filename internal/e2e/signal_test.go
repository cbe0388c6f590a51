package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSecondSignalEndsAStuckScan: a scan stuck where cancellation cannot
// reach (reading a pipe whose writer never closes) is cancelled by the
// first SIGTERM and ended by the second, as a scheduler's stop expects.
// Before, every later signal was swallowed and only SIGKILL ended it.
func TestSecondSignalEndsAStuckScan(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "isoaudit")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/isoaudit").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close() // held open: the scan's read of stdin never ends by itself
	cmd := exec.Command(bin, "scan", "--no-host", "--inspect", "-", "-o", "json")
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond) // let it block on stdin
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("exit 0 after two SIGTERMs")
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the scan survived two SIGTERMs")
	}
}
