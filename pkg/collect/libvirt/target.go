package libvirt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// libvirt's default ports and client PKI paths (libvirt.org/remote.html).
const (
	defaultTCPPort  = "16509"
	defaultTLSPort  = "16514"
	DefaultTLSCA    = "/etc/pki/CA/cacert.pem"
	DefaultTLSCert  = "/etc/pki/libvirt/clientcert.pem"
	DefaultTLSKey   = "/etc/pki/libvirt/private/clientkey.pem"
	supportedScheme = "qemu:///system, qemu:///session, qemu+unix:///system?socket=PATH, qemu+tcp://HOST[:PORT]/system, qemu+tls://HOST[:PORT]/system"
)

// target is where a libvirt URI is dialled: a UNIX socket, or TCP with
// or without TLS, and the driver URI sent in the RPC handshake.
type target struct {
	network, address string
	tls              *tls.Config // nil for plain transports
	driverURI        string      // qemu:///system
	local            bool        // the daemon runs on this machine
	display          string      // for Endpoint: never holds credentials
}

// parseTarget resolves uri (and the local socket for local URIs). Errors
// never repeat the URI, which may carry credentials.
func parseTarget(uri, socket string, o Options) (target, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return target{}, fmt.Errorf("invalid libvirt URI: want one of %s", supportedScheme)
	}
	if u.User != nil {
		return target{}, errors.New("invalid libvirt URI: credentials in the URI are not accepted")
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	path := u.Path
	if path == "" {
		path = "/system"
	}
	driverURI := driver + ":///" + strings.TrimPrefix(path, "/")
	switch transport {
	case "", "unix":
		if u.Host != "" {
			return target{}, fmt.Errorf("invalid libvirt URI: a UNIX transport has no host; want one of %s", supportedScheme)
		}
		if s := u.Query().Get("socket"); s != "" {
			if !strings.HasPrefix(s, "/") {
				return target{}, errors.New("invalid libvirt URI: socket= must be an absolute path")
			}
			socket = s
		}
		return target{network: "unix", address: socket, driverURI: driverURI, local: true,
			display: driverURI + " (socket " + socket + ")"}, nil
	case "tcp", "tls":
		if u.Hostname() == "" {
			return target{}, fmt.Errorf("invalid libvirt URI: %s transport needs a host", transport)
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"tcp": defaultTCPPort, "tls": defaultTLSPort}[transport]
		}
		t := target{network: "tcp", address: net.JoinHostPort(u.Hostname(), port), driverURI: driverURI}
		t.display = u.Scheme + "://" + t.address + path
		if transport == "tls" {
			cfg, err := clientTLS(u.Hostname(), o)
			if err != nil {
				return target{}, err
			}
			t.tls = cfg
		}
		return t, nil
	}
	return target{}, fmt.Errorf("unsupported libvirt transport %q: want one of %s", transport, supportedScheme)
}

// clientTLS builds the qemu+tls client configuration: the server's
// certificate is always verified against the CA (libvirt's default CA
// file unless TLSCA is given), and the client certificate libvirtd
// requires by default is presented.
func clientTLS(host string, o Options) (*tls.Config, error) {
	ca, cert, key := or(o.TLSCA, DefaultTLSCA), or(o.TLSCert, DefaultTLSCert), or(o.TLSKey, DefaultTLSKey)
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("read libvirt TLS CA %s: %w", ca, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read libvirt TLS CA %s: no PEM certificate", ca)
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("load libvirt TLS client certificate %s: %w", cert, err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: host, MinVersion: tls.VersionTLS12}, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
