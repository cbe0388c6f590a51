package livetest

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

// Where scripts/live-env.sh serves libvirtd: the read-write socket (for
// tests that define domains) and the read-only one (what the collector
// uses by default).
const (
	LibvirtURI      = "qemu:///system"
	LibvirtSocket   = "/var/run/libvirt/libvirt-sock"
	LibvirtSocketRO = "/var/run/libvirt/libvirt-sock-ro"
)

// Libvirt returns a go-libvirt connection to qemu:///system over the
// read-WRITE socket, disconnected when the test ends, for setting up
// domains; the code under test should use LibvirtSocketRO. If libvirtd
// does not answer on both sockets, the test is skipped — or failed when
// ISOAUDIT_LIVE=require.
func Libvirt(t testing.TB) *golibvirt.Libvirt {
	t.Helper()
	// The read-only socket must answer too: that is what is audited.
	c, err := net.DialTimeout("unix", LibvirtSocketRO, pingTimeout)
	if err != nil {
		libvirtUnavailable(t, LibvirtSocketRO, err)
		return nil
	}
	_ = c.Close()
	l := golibvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(LibvirtSocket), dialers.WithLocalTimeout(pingTimeout)))
	errc := make(chan error, 1)
	go func() { errc <- l.ConnectToURI(golibvirt.ConnectURI(LibvirtURI)) }()
	select {
	case err := <-errc:
		if err != nil {
			libvirtUnavailable(t, LibvirtSocket, err)
			return nil
		}
	case <-time.After(pingTimeout):
		libvirtUnavailable(t, LibvirtSocket, errors.New("no answer to the connect handshake within "+pingTimeout.String()))
		return nil
	}
	t.Cleanup(func() { _ = l.Disconnect() })
	if _, err := l.ConnectGetLibVersion(); err != nil {
		libvirtUnavailable(t, LibvirtSocket, err)
	}
	return l
}

// libvirtUnavailable skips or fails the test for an unreachable libvirtd.
func libvirtUnavailable(t testing.TB, socket string, err error) {
	t.Helper()
	if os.Getenv(EnvLive) == "require" {
		t.Fatalf("libvirtd not reachable at %s (%s): %v (%s=require)", LibvirtURI, socket, err, EnvLive)
	}
	t.Skipf("libvirtd not reachable at %s (%s): %v; run scripts/live-env.sh", LibvirtURI, socket, err)
}
