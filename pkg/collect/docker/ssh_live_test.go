package docker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/internal/livetest"
)

// TestCollectLiveOverSSH puts a fake `ssh` first in PATH that records its
// arguments and runs the local `docker system dial-stdio`, so the whole
// ssh:// path (argument building, process-backed connection, HTTP over
// it) runs against the real daemon without an ssh server.
func TestCollectLiveOverSSH(t *testing.T) {
	livetest.Docker(t)
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker CLI not installed")
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + argsFile + "\n" +
		"while [ \"$1\" != \"--\" ]; do shift; done\nshift 2\nexec \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	name := livetest.Container(t, "collect-ssh", nil, nil, true)

	c := liveCollector(t, func(o *Options) { o.Host = "ssh://ops@fakehost:2222" })
	if c.Endpoint() != "ssh://fakehost:2222" {
		t.Errorf("Endpoint() = %q", c.Endpoint())
	}
	if assetNamed(collectOK(t, c), name) == nil {
		t.Errorf("no asset for %s over ssh", name)
	}
	args, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(args)); strings.Join(got, " ") != "-p 2222 -l ops -- fakehost docker system dial-stdio" {
		t.Errorf("ssh args = %q", got)
	}
}
