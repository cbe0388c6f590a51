package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirt"
)

// TestLiveLibvirtRemote audits the real libvirtd over qemu+tcp and
// qemu+tls: a relay on loopback forwards each accepted connection to the
// daemon's read-only socket, so the RPC conversation is libvirtd's own,
// and for qemu+tls the relay terminates mutual TLS with a test CA (as
// libvirtd's own TLS listener would). A client that does not trust the
// server's CA is refused and the scan is incomplete (exit 3).
func TestLiveLibvirtRemote(t *testing.T) {
	livetest.Libvirt(t)
	pki := newTLSPKI(t)
	name := livetest.NamePrefix + "remote-" + randomHex(t)
	defineDomain(t, livetest.Libvirt(t), strings.Replace(hardenedDomainXML, "%s", name, 1))

	plain := relay(t, nil)
	code, rep, stderr := runCLIReport(t, "scan", "--libvirt-uri", "qemu+tcp://"+plain+"/system", "-o", "json")
	assertRemoteScan(t, "qemu+tcp", code, rep, stderr, name)

	srvCert, err := tls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(pki.serverCA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	secure := relay(t, &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: pool, MinVersion: tls.VersionTLS12})
	tlsArgs := func(dir string) []string {
		return []string{"scan", "--libvirt-uri", "qemu+tls://" + secure + "/system", "-o", "json",
			"--libvirt-tls-ca", filepath.Join(dir, "ca.pem"), "--libvirt-tls-cert", filepath.Join(dir, "cert.pem"),
			"--libvirt-tls-key", filepath.Join(dir, "key.pem")}
	}
	code, rep, stderr = runCLIReport(t, tlsArgs(pki.client)...)
	assertRemoteScan(t, "qemu+tls", code, rep, stderr, name)

	code, rep, _ = runCLIReport(t, tlsArgs(pki.wrongCA)...)
	if code != cli.ExitIncomplete || len(rep.Sources) != 1 || rep.Sources[0].Status != audit.SourceError ||
		!strings.Contains(rep.Sources[0].Error, "certificate") {
		t.Errorf("untrusted server: exit %d, sources %+v; want exit %d and a certificate error", code, rep.Sources, cli.ExitIncomplete)
	}
	code, rep, _ = runCLIReport(t, tlsArgs(pki.rogue)...)
	if code != cli.ExitIncomplete || len(rep.Sources) != 1 || rep.Sources[0].Status != audit.SourceError {
		t.Errorf("client certificate from another CA: exit %d, sources %+v; want the server to refuse it", code, rep.Sources)
	}
}

func assertRemoteScan(t *testing.T, transport string, code int, rep *audit.Report, stderr, domain string) {
	t.Helper()
	if code != cli.ExitOK || len(rep.Sources) != 1 || rep.Sources[0].Status != audit.SourceOK ||
		!strings.HasPrefix(rep.Sources[0].Endpoint, transport+"://127.0.0.1:") {
		t.Fatalf("%s: exit %d, sources %+v, stderr %s", transport, code, rep.Sources, stderr)
	}
	var vm, host bool
	for _, a := range rep.Assets {
		vm = vm || (a.Kind == audit.KindVM && a.Name == domain)
		host = host || (a.Kind == audit.KindHost && a.Platform == audit.PlatformLibvirt)
	}
	if !vm || !host {
		t.Errorf("%s: domain %s found %v, libvirt host asset %v", transport, domain, vm, host)
	}
	// qemu.conf of a remote host is not this machine's: the QC checks
	// say unknown rather than judge the wrong file.
	for _, f := range rep.Findings.All() {
		if strings.HasPrefix(f.CheckID, "QC-") && f.Status != audit.StatusUnknown {
			t.Errorf("%s: %s is %s on a remote host whose qemu.conf was not read", transport, f.CheckID, f.Status)
		}
	}
}

// relay listens on a loopback port and copies each connection to and
// from libvirtd's read-only socket, over TLS when cfg is set. It returns
// host:port and stops with the test.
func relay(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	var ln net.Listener
	var err error
	if cfg != nil {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					t.Logf("relay accept: %v", err)
				}
				return
			}
			wg.Go(func() { pipe(c, libvirt.DefaultSocket) })
		}
	})
	return ln.Addr().String()
}

func pipe(c net.Conn, socket string) {
	defer c.Close()
	if tc, ok := c.(*tls.Conn); ok && tc.Handshake() != nil {
		return // the client was refused
	}
	d, err := net.Dial("unix", socket)
	if err != nil {
		return
	}
	defer d.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(d, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, d); done <- struct{}{} }()
	<-done
}
