package libvirt

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
)

// conn is the part of a libvirt connection the collector uses; rpcConn
// implements it over go-libvirt, tests with canned XML. Calls may be made
// concurrently. Close ends the connection, failing calls in flight.
type conn interface {
	LibVersion() (uint64, error)
	HypervisorVersion() (uint64, error)
	Hostname() (string, error)
	// ListDomains returns the running and the defined domains.
	ListDomains() ([]golibvirt.Domain, error)
	// DomainXML returns the domain's XML without secrets.
	DomainXML(golibvirt.Domain) (string, error)
	DomainState(golibvirt.Domain) (golibvirt.DomainState, error)
	Close() error
}

// dialFunc opens a connection to the target, bounded by ctx.
type dialFunc func(ctx context.Context, t target) (conn, error)

// rpcConn is a go-libvirt connection over a UNIX socket, TCP or TLS.
type rpcConn struct {
	l *golibvirt.Libvirt
	d *recordingDialer
}

// recordingDialer dials the target and keeps the net.Conn, so a stuck
// connection can be closed without a (blocking) RPC.
type recordingDialer struct {
	t       target
	timeout time.Duration
	mu      sync.Mutex
	conn    net.Conn
}

func (d *recordingDialer) Dial() (net.Conn, error) {
	dialer := &net.Dialer{Timeout: d.timeout}
	var c net.Conn
	var err error
	if d.t.tls != nil {
		c, err = (&tls.Dialer{NetDialer: dialer, Config: d.t.tls}).Dial(d.t.network, d.t.address)
	} else {
		c, err = dialer.Dial(d.t.network, d.t.address)
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.conn = c
	d.mu.Unlock()
	return c, nil
}

// kill closes the socket under go-libvirt: calls in flight fail.
func (d *recordingDialer) kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		_ = d.conn.Close()
	}
}

// dialRPC connects with go-libvirt; ConnectToURI runs the RPC handshake.
func dialRPC(ctx context.Context, t target) (conn, error) {
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	d := &recordingDialer{t: t, timeout: timeout}
	l := golibvirt.NewWithDialer(d)
	errc := make(chan error, 1)
	go func() { errc <- l.ConnectToURI(golibvirt.ConnectURI(t.driverURI)) }()
	select {
	case err := <-errc:
		if err != nil {
			return nil, err
		}
		return &rpcConn{l: l, d: d}, nil
	case <-ctx.Done():
		d.kill()
		return nil, ctx.Err()
	}
}

func (c *rpcConn) LibVersion() (uint64, error)        { return c.l.ConnectGetLibVersion() }
func (c *rpcConn) HypervisorVersion() (uint64, error) { return c.l.ConnectGetVersion() }
func (c *rpcConn) Hostname() (string, error)          { return c.l.ConnectGetHostname() }

func (c *rpcConn) ListDomains() ([]golibvirt.Domain, error) {
	doms, _, err := c.l.ConnectListAllDomains(1, golibvirt.ConnectListDomainsActive|golibvirt.ConnectListDomainsInactive)
	return doms, err
}

// DomainXML never asks for DomainXMLSecure: the read-only socket refuses
// it, and the auditor must not hold passwords anyway.
func (c *rpcConn) DomainXML(d golibvirt.Domain) (string, error) {
	return c.l.DomainGetXMLDesc(d, 0)
}

func (c *rpcConn) DomainState(d golibvirt.Domain) (golibvirt.DomainState, error) {
	st, _, err := c.l.DomainGetState(d, 0)
	return golibvirt.DomainState(st), err
}

// Close says goodbye to libvirtd, or closes the socket when that does not
// answer within two seconds.
func (c *rpcConn) Close() error {
	done := make(chan error, 1)
	go func() { done <- c.l.Disconnect() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		c.d.kill()
		return errors.New("libvirtd did not answer the disconnect; socket closed")
	}
}

// isNotFound tells a domain that no longer exists (undefined, or a
// transient domain that stopped).
func isNotFound(err error) bool {
	return golibvirt.IsNotFound(err)
}
