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
// the API version on its first request and honours DOCKER_TLS_VERIFY,
// DOCKER_CERT_PATH and DOCKER_API_VERSION; ssh:// hosts are reached through
// `ssh … docker system dial-stdio`.
func newAPIClient(host string, maxConns int) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv}
	if strings.HasPrefix(host, "ssh://") {
		target, err := parseSSHHost(host)
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithHost(sshHTTPHost), client.WithHTTPClient(&http.Client{
			Transport:     &http.Transport{DialContext: target.DialContext, MaxIdleConnsPerHost: maxConns, IdleConnTimeout: sshIdleTimeout},
			CheckRedirect: client.CheckRedirect,
		}))
	} else {
		opts = append(opts, client.WithHost(host))
		opts = append(opts, tlsFromDefaultCertPath()...)
	}
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("create docker client for %s: %w", redactEndpoint(host), scrubHost(err, host))
	}
	return cli, nil
}

// tlsFromDefaultCertPath applies the docker CLI convention that
// DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads certificates from
// ~/.docker (the moby client alone ignores that case).
func tlsFromDefaultCertPath() []client.Opt {
	if os.Getenv(client.EnvTLSVerify) == "" || os.Getenv(client.EnvOverrideCertPath) != "" {
		return nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	dir := filepath.Join(home, ".docker")
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
