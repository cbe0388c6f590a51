package docker

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// sshHTTPHost is the placeholder HTTP host used over an ssh connection;
// the dialer ignores it (as the docker CLI does).
const sshHTTPHost = "http://docker.example.com"

// sshIdleTimeout ends idle ssh processes of a collector nobody closed.
const sshIdleTimeout = 30 * time.Second

// resolveHost returns the daemon URL to use: the explicit host, else
// DOCKER_HOST, else the platform default.
func resolveHost(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if env := os.Getenv(client.EnvOverrideHost); env != "" {
		return env
	}
	return client.DefaultDockerHost
}

// newAPIClient builds an Engine API client for host. The client negotiates
// the API version on its first request (DOCKER_API_VERSION pins it).
// tcp:// hosts use TLS from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY; local
// sockets never do, as with the docker CLI, so a shell set up for a remote
// TLS daemon can still audit the local one. ssh:// hosts are reached
// through `ssh … docker system dial-stdio`. A non-empty certPath replaces
// the environment's TLS files for tcp:// hosts.
func newAPIClient(host string, maxConns int, certPath string) (*client.Client, error) {
	opts := []client.Opt{client.WithAPIVersionFromEnv()}
	switch {
	case strings.HasPrefix(host, "ssh://"):
		target, err := parseSSHHost(host)
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithHost(sshHTTPHost), client.WithHTTPClient(&http.Client{
			Transport:     &http.Transport{DialContext: target.DialContext, MaxIdleConnsPerHost: maxConns, IdleConnTimeout: sshIdleTimeout},
			CheckRedirect: client.CheckRedirect,
		}))
	case isLocalSocket(host):
		opts = append(opts, client.WithHost(host))
	default:
		opts = append(opts, client.WithHost(host))
		if certPath != "" {
			opts = append(opts, tlsFromDir(certPath)...)
		} else {
			opts = append(opts, tlsFromEnv()...)
		}
	}
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("create docker client for %s: %w", redactEndpoint(host), scrubHost(err, host))
	}
	return cli, nil
}

// isLocalSocket reports whether host is a unix socket or a named pipe.
func isLocalSocket(host string) bool {
	return strings.HasPrefix(host, "unix://") || strings.HasPrefix(host, "npipe://")
}

// tlsFromEnv configures TLS from the ca.pem, cert.pem and key.pem in
// DOCKER_CERT_PATH, or in ~/.docker when only DOCKER_TLS_VERIFY is set
// (the docker CLI convention). The daemon's certificate is always verified
// against ca.pem: unlike the docker CLI, an unset DOCKER_TLS_VERIFY does
// not turn verification off.
func tlsFromEnv() []client.Opt {
	dir := os.Getenv(client.EnvOverrideCertPath)
	if dir == "" {
		if os.Getenv(client.EnvTLSVerify) == "" {
			return nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(home, ".docker")
	}
	return tlsFromDir(dir)
}

// tlsFromDir configures TLS from the ca.pem, cert.pem and key.pem in dir.
func tlsFromDir(dir string) []client.Opt {
	return []client.Opt{client.WithTLSClientConfig(
		filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))}
}

// scrubHost returns err with every copy of host (which may carry
// credentials) and, for ssh hosts, of the placeholder HTTP host replaced by
// the redacted endpoint. The result still unwraps to err; err itself is
// returned when there is nothing to replace.
func scrubHost(err error, host string) error {
	if err == nil {
		return nil
	}
	safe := redactEndpoint(host)
	msg := err.Error()
	out := msg
	if safe != host {
		out = strings.ReplaceAll(out, host, safe)
	}
	if strings.HasPrefix(host, "ssh://") {
		out = strings.ReplaceAll(out, sshHTTPHost, safe)
	}
	if out == msg {
		return err
	}
	return &scrubbedError{msg: out, err: err}
}

// scrubbedError is an error whose text had a daemon URL redacted.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
