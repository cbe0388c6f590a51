package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.uber.org/goleak"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirt"
)

// faultProxy listens on a UNIX socket and relays every connection to a
// real daemon's socket. After limit bytes have come back from the daemon
// it behaves like a daemon that was killed: every connection is cut and
// nothing is accepted any more. With limit 0 it never cuts; with a
// negative limit it accepts connections and never answers (a hung
// daemon).
type faultProxy struct {
	path  string
	ln    net.Listener
	limit int64
	down  atomic.Int64 // bytes relayed from the daemon
	// hostFacts counts /info and /version requests answered: a kill
	// waits for both, so the scan has its host facts and the test sees
	// containers lost mid-inspect, whatever the goroutine scheduling.
	hostFacts atomic.Int32
	needFacts int32 // 2 for the Docker API, 0 for libvirt RPC
	mu        sync.Mutex
	conns     []net.Conn
	cut       chan struct{}
	cutOnce   sync.Once
	wg        sync.WaitGroup
	upstream  string
}

func newFaultProxy(t *testing.T, upstream string, limit int64) *faultProxy {
	t.Helper()
	dir, err := os.MkdirTemp("", "isoaudit-fault-")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{path: filepath.Join(dir, "d.sock"), limit: limit, cut: make(chan struct{}), upstream: upstream}
	if strings.Contains(upstream, "docker") {
		p.needFacts = 2
	}
	if p.ln, err = net.Listen("unix", p.path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(); os.RemoveAll(dir) })
	p.wg.Go(p.accept)
	return p
}

func (p *faultProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		select {
		case <-p.cut:
			c.Close()
			continue
		default:
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *faultProxy) serve(c net.Conn) {
	defer c.Close()
	if p.limit < 0 { // hung: read whatever comes, answer nothing
		_, _ = io.Copy(io.Discard, c)
		return
	}
	up, err := net.Dial("unix", p.upstream)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, up)
	p.mu.Unlock()
	defer up.Close()
	done := make(chan struct{}, 2)
	var pending atomic.Int32 // /info or /version requests on this connection not yet answered
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				req := string(buf[:n])
				pending.Add(int32(strings.Count(req, "/info HTTP/") + strings.Count(req, "/version HTTP/")))
				if _, werr := up.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := up.Read(buf)
			if n > 0 {
				if _, werr := c.Write(buf[:n]); werr != nil {
					break
				}
				if pending.Load() > 0 {
					pending.Add(-1)
					p.hostFacts.Add(1)
				}
				if total := p.down.Add(int64(n)); p.limit > 0 && total >= p.limit && p.hostFacts.Load() >= p.needFacts {
					p.kill()
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}()
	<-done
}

// stop kills the proxy and waits for its goroutines.
func (p *faultProxy) stop() {
	p.kill()
	p.wg.Wait()
}

// kill cuts every connection and stops accepting, as a dying daemon does.
func (p *faultProxy) kill() {
	p.cutOnce.Do(func() {
		close(p.cut)
		p.ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
}

// createMany creates n stopped containers (labelled for cleanup) with a
// few concurrent API calls; they are removed when the test ends.
func createMany(t *testing.T, n int) {
	t.Helper()
	cli := livetest.Docker(t)
	image := livetest.BusyboxImage(t)
	prefix := livetest.NamePrefix + "fault-" + randomHex(t) + "-"
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: fmt.Sprintf("%s%03d", prefix, i),
				Config: &container.Config{Image: image, Labels: map[string]string{livetest.Label: "1"}}})
			if err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for i := range n {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, _ = cli.ContainerRemove(ctx, fmt.Sprintf("%s%03d", prefix, i), client.ContainerRemoveOptions{Force: true})
			cancel()
		}
	})
	if failed.Load() > 0 {
		t.Fatalf("%d of %d containers could not be created", failed.Load(), n)
	}
}

// TestLiveFaults: a scan whose sources fail in every way a fleet throws
// at it ends with the results gathered so far, one error entry per lost
// source (a daemon that dies mid-scan is one entry saying how far it got),
// exit 3, within its timeouts, and leaves no
// goroutine behind. A good offline source runs alongside each fault to
// show nothing it found is lost.
func TestLiveFaults(t *testing.T) {
	livetest.Docker(t)
	livetest.Libvirt(t)
	good := filepath.Join("..", "..", "testdata", "inspect", "risky.json")
	createMany(t, 200)

	// The size of a complete scan through the proxy, to kill the daemon
	// a third of the way through.
	probe := newFaultProxy(t, "/var/run/docker.sock", 0)
	if code, rep, stderr := runCLIReport(t, "scan", "--no-host", "--all", "--docker-host", "unix://"+probe.path, "-o", "json"); code != cli.ExitOK || rep == nil {
		t.Fatalf("probe scan: exit %d: %s", code, stderr)
	}
	full := probe.down.Load()
	probe.kill()
	t.Logf("a full scan of the daemon moves %d KiB", full>>10)

	lv := livetest.Libvirt(t)
	for i := range 40 { // removed again by defineDomain's cleanup
		name := fmt.Sprintf("%sfault-%s-%02d", livetest.NamePrefix, randomHex(t), i)
		defineDomain(t, lv, strings.Replace(hardenedDomainXML, "%s", name, 1))
	}
	lvProbe := newFaultProxy(t, libvirt.DefaultSocket, 0)
	if code, _, stderr := runCLIReport(t, "scan", "--no-host", "--libvirt-uri", "qemu+unix:///system?socket="+lvProbe.path, "-o", "json"); code != cli.ExitOK {
		t.Fatalf("libvirt probe scan: exit %d: %s", code, stderr)
	}
	lvFull := lvProbe.down.Load()
	lvProbe.kill()

	for _, tc := range []struct {
		name    string
		source  func() (args []string, stop func())
		within  time.Duration
		wantErr string
		partial bool // some of the faulty source's assets must survive
	}{
		{"socket missing", func() ([]string, func()) {
			return []string{"--docker-host", "unix:///nonexistent/isoaudit-fault.sock"}, func() {}
		},
			10 * time.Second, "nonexistent/isoaudit-fault.sock", false},
		{"daemon accepts and never answers", func() ([]string, func()) {
			p := newFaultProxy(t, "", -1)
			return []string{"--docker-host", "unix://" + p.path, "--request-timeout", "2s"}, p.stop
		}, 15 * time.Second, "", false},
		{"scan deadline (--timeout) on a daemon that never answers", func() ([]string, func()) {
			p := newFaultProxy(t, "", -1)
			return []string{"--docker-host", "unix://" + p.path, "--request-timeout", "60s", "--timeout", "3s"}, p.stop
		}, 15 * time.Second, "not read within the scan's 3s deadline", false},
		{"dockerd killed during a 200-container scan", func() ([]string, func()) {
			p := newFaultProxy(t, "/var/run/docker.sock", full/3)
			return []string{"--docker-host", "unix://" + p.path, "--all"}, p.stop
		}, 30 * time.Second, "lost during the scan", true},
		{"libvirtd accepts and never answers", func() ([]string, func()) {
			p := newFaultProxy(t, "", -1)
			return []string{"--libvirt-uri", "qemu+unix:///system?socket=" + p.path, "--request-timeout", "2s"}, p.stop
		}, 15 * time.Second, "", false},
		{"scan deadline (--timeout) on a libvirtd that never answers", func() ([]string, func()) {
			p := newFaultProxy(t, "", -1)
			return []string{"--libvirt-uri", "qemu+unix:///system?socket=" + p.path, "--request-timeout", "60s", "--timeout", "3s"}, p.stop
		}, 15 * time.Second, "not read within the scan's 3s deadline", false},
		{"libvirtd gone during a 40-domain scan", func() ([]string, func()) {
			p := newFaultProxy(t, libvirt.DefaultSocket, lvFull/2)
			return []string{"--libvirt-uri", "qemu+unix:///system?socket=" + p.path}, p.stop
		}, 30 * time.Second, "lost during the scan", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			source, stopSource := tc.source()
			args := append([]string{"scan", "--no-host", "-o", "json", "--inspect", good}, source...)
			start := time.Now()
			code, rep, stderr := runCLIReport(t, args...)
			took := time.Since(start)
			if code != cli.ExitIncomplete || rep == nil {
				t.Fatalf("exit %d after %s, want %d with a report; stderr %s", code, took, cli.ExitIncomplete, stderr)
			}
			if took > tc.within {
				t.Errorf("took %s, want under %s", took, tc.within)
			}
			var goodAssets, faultyAssets int
			for _, a := range rep.Assets {
				if strings.HasPrefix(a.ID, "inspect://") {
					goodAssets++
				} else {
					faultyAssets++
				}
			}
			if goodAssets == 0 {
				t.Errorf("the offline source's assets were lost: %d assets", len(rep.Assets))
			}
			if tc.partial && faultyAssets == 0 {
				t.Errorf("nothing gathered from the faulty source before it died")
			}
			if len(rep.Errors) == 0 || (tc.wantErr != "" && !strings.Contains(fmt.Sprint(rep.Errors), tc.wantErr)) {
				t.Errorf("errors %+v, want an entry for the lost source (%q)", rep.Errors, tc.wantErr)
			}
			if len(rep.Errors) != 1 {
				t.Errorf("%d errors, want one entry for the lost source: %+v", len(rep.Errors), rep.Errors)
			}
			for _, e := range rep.Errors {
				if strings.ContainsAny(e.Message, "\n\r") {
					t.Errorf("multi-line error %q", e.Message)
				}
			}
			t.Logf("%s: %s, %d assets from the faulty source, %d errors, first %q", tc.name, took.Round(time.Millisecond),
				faultyAssets, len(rep.Errors), rep.Errors[0].Message)
			// The scan's own connections and workers must be gone once
			// the fault (the test's proxy) is.
			stopSource()
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestLiveDockerPermissionDenied runs the built binary as an unprivileged
// user (nobody) against the root-owned Docker socket: the source is an
// error naming the permission problem, exit 3, and the offline source's
// results are kept.
func TestLiveDockerPermissionDenied(t *testing.T) {
	livetest.Docker(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop to another user")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	dir, err := os.MkdirTemp("", "isoaudit-perm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "isoaudit")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/isoaudit").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	good, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inspect", "risky.json"))
	if err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(dir, "risky.json")
	if err := os.WriteFile(input, good, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin,
		"scan", "--no-host", "--docker-host", "unix:///var/run/docker.sock", "--inspect", input, "-o", "json")
	cmd.Env = []string{"HOME=/nonexistent", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitIncomplete {
		t.Fatalf("exit %v, want %d; stdout %.400s", err, cli.ExitIncomplete, out)
	}
	if !strings.Contains(string(out), "permission denied") || !strings.Contains(string(out), `"id":"inspect://`) {
		t.Errorf("report %.600s: want the permission error and the offline assets", out)
	}
	if !strings.Contains(string(out), `"status":"`+audit.SourceError+`"`) {
		t.Errorf("the Docker source is not reported as an error: %.600s", out)
	}
}
