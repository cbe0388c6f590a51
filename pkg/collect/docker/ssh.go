package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// sshTarget is a parsed ssh://user@host[:port][/socket] daemon URL.
type sshTarget struct {
	User, Host, Port string
	// Socket is the remote daemon socket path; "" for the remote default.
	Socket string
}

// parseSSHHost parses an ssh:// daemon URL. A password in the URL is
// refused (ssh authenticates with keys or an agent); the error never
// repeats it.
func parseSSHHost(raw string) (sshTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return sshTarget{}, errors.New("parse ssh host: malformed URL")
	}
	if u.Scheme != "ssh" || u.Hostname() == "" {
		return sshTarget{}, errors.New("parse ssh host: want ssh://[user@]host[:port]")
	}
	if _, set := u.User.Password(); set {
		return sshTarget{}, errors.New("parse ssh host: passwords in the URL are not supported; use an ssh key or agent")
	}
	t := sshTarget{User: u.User.Username(), Host: u.Hostname(), Port: u.Port()}
	if u.Path != "" && u.Path != "/" {
		t.Socket = u.Path
	}
	return t, nil
}

// Args returns the ssh command-line arguments that run `docker system
// dial-stdio` on the remote host.
func (t sshTarget) Args() []string {
	var args []string
	if t.Port != "" {
		args = append(args, "-p", t.Port)
	}
	if t.User != "" {
		args = append(args, "-l", t.User)
	}
	args = append(args, "--", t.Host, "docker")
	if t.Socket != "" {
		args = append(args, "--host", "unix://"+t.Socket)
	}
	return append(args, "system", "dial-stdio")
}

// DialContext starts one ssh process and returns its stdin/stdout as a
// connection to the remote daemon. ctx bounds the start only: the process
// lives until the connection is closed.
func (t sshTarget) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t.dialCommand("ssh", t.Args()...)
}

// dialCommand starts name with args and wraps its stdin and stdout.
func (t sshTarget) dialCommand(name string, args ...string) (net.Conn, error) {
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start ssh to %s: %w", t.Host, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start ssh to %s: %w", t.Host, err)
	}
	c := &cmdConn{cmd: cmd, stdin: stdin, stdout: stdout, host: t.Host}
	cmd.Stderr = &c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ssh to %s: %w", t.Host, err)
	}
	return c, nil
}

// cmdConn is a net.Conn over a child process's stdin and stdout. Close
// kills the process. Deadlines are not supported and are ignored.
type cmdConn struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	stdout    io.ReadCloser
	stderr    tailBuffer
	host      string
	closeOnce sync.Once
}

// Read reads from the process's stdout. At end of stream it reports what
// ssh wrote on stderr, if anything, so authentication failures are legible.
func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if errors.Is(err, io.EOF) && n == 0 {
		if msg := c.stderr.String(); msg != "" {
			return 0, fmt.Errorf("ssh %s: %s: %w", c.host, msg, io.EOF)
		}
	}
	return n, err
}

// Write writes to the process's stdin.
func (c *cmdConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

// Close closes stdin, kills the process and reaps it.
func (c *cmdConn) Close() error {
	c.closeOnce.Do(func() {
		_ = c.stdin.Close()
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
	return nil
}

func (c *cmdConn) LocalAddr() net.Addr              { return sshAddr("local") }
func (c *cmdConn) RemoteAddr() net.Addr             { return sshAddr(c.host) }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }

// sshAddr names one end of an ssh connection.
type sshAddr string

func (a sshAddr) Network() string { return "ssh" }
func (a sshAddr) String() string  { return string(a) }

// tailBuffer keeps the last bytes written to it (ssh's stderr), safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailBufferSize = 1024

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - tailBufferSize; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
