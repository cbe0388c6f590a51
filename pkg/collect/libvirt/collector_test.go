package libvirt

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/libvirttest"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const riskyXML = `<domain type='qemu'>
  <name>risky</name>
  <uuid>4B1E2F3A-0000-4000-8000-000000000001</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <seclabel type='none'/>
  <devices>
    <disk type='file' device='floppy'><source file='/tmp/f.img'/><target dev='fda' bus='fdc'/></disk>
    <filesystem type='mount' accessmode='passthrough'><source dir='/'/><target dir='host'/></filesystem>
    <graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'><listen type='address' address='0.0.0.0'/></graphics>
  </devices>
</domain>`

const hardenedXML = `<domain type='qemu'>
  <name>hardened</name>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
  </devices>
</domain>`

// fakeConn serves canned domains.
type fakeConn struct {
	mu                    sync.Mutex
	xml                   map[string]string
	state                 map[string]golibvirt.DomainState
	gone                  map[string]bool // undefined after the list
	broken                map[string]bool // XML read fails
	hang                  bool            // ListDomains never answers
	closed                bool
	inFlight, maxInFlight int
}

func (f *fakeConn) LibVersion() (uint64, error)        { return 9000000, nil }
func (f *fakeConn) HypervisorVersion() (uint64, error) { return 7002000, nil }
func (f *fakeConn) Hostname() (string, error)          { return "hv1", nil }
func (f *fakeConn) ListDomains() ([]golibvirt.Domain, error) {
	if f.hang {
		select {}
	}
	var ds []golibvirt.Domain
	for n := range f.xml {
		ds = append(ds, golibvirt.Domain{Name: n})
	}
	return ds, nil
}
func (f *fakeConn) DomainXML(d golibvirt.Domain) (string, error) {
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	if f.gone[d.Name] {
		return "", golibvirt.Error{Code: uint32(golibvirt.ErrNoDomain), Message: "Domain not found: no domain with matching name '" + d.Name + "'"}
	}
	if f.broken[d.Name] {
		return "", golibvirt.Error{Code: 1, Message: "internal error:\nsomething broke"} // libvirtd answered: a domain error
	}
	return f.xml[d.Name], nil
}
func (f *fakeConn) DomainState(d golibvirt.Domain) (golibvirt.DomainState, error) {
	return f.state[d.Name], nil
}
func (f *fakeConn) Close() error { f.mu.Lock(); f.closed = true; f.mu.Unlock(); return nil }

func newFake(t *testing.T, f *fakeConn, mod func(*Options)) *Collector {
	t.Helper()
	opts := DefaultOptions()
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.dial = func(context.Context, target) (conn, error) { return f, nil }
	return c
}

func TestCollectNormalizes(t *testing.T) {
	f := &fakeConn{
		xml:    map[string]string{"risky": riskyXML, "hardened": hardenedXML, "gone": hardenedXML, "broken": hardenedXML},
		state:  map[string]golibvirt.DomainState{"risky": golibvirt.DomainShutoff, "hardened": golibvirt.DomainRunning},
		gone:   map[string]bool{"gone": true},
		broken: map[string]bool{"broken": true},
	}
	c := newFake(t, f, func(o *Options) { o.Concurrency = 2 })
	if c.Kind() != "libvirt" || c.Endpoint() != "qemu:///system (socket /var/run/libvirt/libvirt-sock-ro)" {
		t.Errorf("kind %q endpoint %q", c.Kind(), c.Endpoint())
	}
	b, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !f.closed {
		t.Error("connection not closed")
	}
	if f.maxInFlight > 2 {
		t.Errorf("%d reads in flight, want ≤ 2", f.maxInFlight)
	}
	if len(b.Assets) != 3 || b.Assets[0].ID != "libvirt://hv1" || b.Assets[0].Kind != audit.KindHost ||
		b.Assets[1].ID != "libvirt://hv1/hardened" || b.Assets[2].ID != "libvirt://hv1/risky" {
		t.Fatalf("assets = %+v", b.Assets)
	}
	b.Assets = b.Assets[1:] // the domains
	if len(b.Notes) != 1 || !strings.Contains(b.Notes[0], "domain gone was undefined") {
		t.Errorf("notes = %q", b.Notes)
	}
	if len(b.Errors) != 1 || b.Errors[0].AssetID != "libvirt://hv1/broken" || strings.Contains(b.Errors[0].Message, "\n") {
		t.Errorf("errors = %+v", b.Errors)
	}
	h, r := b.Assets[0], b.Assets[1]
	if h.VM == nil || h.VM.State != "running" || r.VM.State != "shutoff" {
		t.Fatalf("states: %+v / %+v", h.VM, r.VM)
	}
	if r.Kind != audit.KindVM || r.Platform != audit.PlatformLibvirt || r.Host.Virt.LibvirtVersion != "9.0.0" ||
		r.Host.Virt.QEMUVersion != "7.2.0" || !r.Host.Virt.Known || r.Host.Virt.QEMUConf.Known || r.Host.Hostname != "hv1" {
		t.Errorf("risky asset = %+v host %+v", r, r.Host)
	}
	if len(r.VM.RemoteConsoles) != 1 || r.VM.Shares == nil || len(r.VM.Shares) != 1 {
		t.Fatalf("risky consoles %+v shares %+v", r.VM.RemoteConsoles, r.VM.Shares)
	}
	if got := r.VM.RemoteConsoles[0].Password; got != "unknown" {
		t.Errorf("console password = %q, want unknown (XML read without secrets)", got)
	}
	if r.VM.UUID != "4b1e2f3a-0000-4000-8000-000000000001" {
		t.Errorf("uuid = %q", r.VM.UUID)
	}
}

func TestCollectTimeout(t *testing.T) {
	f := &fakeConn{xml: map[string]string{"a": hardenedXML}, hang: true}
	c := newFake(t, f, func(o *Options) { o.RequestTimeout = 50 * time.Millisecond })
	_, err := c.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list domains at qemu:///system (socket") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestCollectUnreachable(t *testing.T) {
	opts := DefaultOptions()
	opts.Socket = t.TempDir() + "/nothing"
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connect to libvirt at qemu:///system (socket "+opts.Socket+")") {
		t.Fatalf("err = %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Options)
		want string
	}{
		{func(o *Options) { o.Concurrency = 0 }, "invalid concurrency"},
		{func(o *Options) { o.RequestTimeout = -1 }, "invalid request timeout"},
		{func(o *Options) { o.URI = "qemu+ssh://root:pw@host/system" }, "credentials in the URI"},
		{func(o *Options) { o.URI = "qemu+ssh://host/system" }, `unsupported libvirt transport "ssh"`},
		{func(o *Options) { o.URI = "qemu+tcp:///system" }, "needs a host"},
		{func(o *Options) { o.URI = "qemu+tls://hv1/system"; o.TLSCA = "/nonexistent/ca.pem" }, "read libvirt TLS CA /nonexistent/ca.pem"},
		{func(o *Options) { o.URI = "qemu+unix:///system?socket=rel" }, "absolute path"},
		{func(o *Options) { o.URI = "nonsense" }, "invalid libvirt URI"},
		{func(o *Options) { o.Socket = "relative" }, "absolute path"},
		{func(o *Options) { o.QEMUConfPath = "/nonexistent/qemu.conf" }, "/nonexistent/qemu.conf"},
	} {
		opts := DefaultOptions()
		tc.mod(&opts)
		_, err := New(opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw@") {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	opts := DefaultOptions()
	opts.URI, opts.Socket = "", ""
	c, err := New(opts)
	if err != nil || c.Endpoint() != "qemu:///system (socket /var/run/libvirt/libvirt-sock-ro)" {
		t.Errorf("defaults: %v %v", c, err)
	}
	for uri, want := range map[string]string{
		"qemu+tcp://hv1/system":                  "qemu+tcp://hv1:16509/system",
		"qemu+tcp://[2001:db8::1]:1234/system":   "qemu+tcp://[2001:db8::1]:1234/system",
		"qemu+unix:///system?socket=/run/x.sock": "qemu:///system (socket /run/x.sock)",
		"qemu:///session":                        "qemu:///session (socket /var/run/libvirt/libvirt-sock-ro)",
	} {
		opts := DefaultOptions()
		opts.URI = uri
		c, err := New(opts)
		if err != nil || c.Endpoint() != want {
			t.Errorf("%s: endpoint %v (%v), want %s", uri, c, err, want)
		} else if !c.target.local && c.opts.PackageRoot != "" {
			t.Errorf("%s: a remote daemon must not be judged by this machine's packages", uri)
		}
	}
}

func TestFormatVersionAndState(t *testing.T) {
	for v, want := range map[uint64]string{9000000: "9.0.0", 7002000: "7.2.0", 10010012: "10.10.12", 0: ""} {
		if got := FormatVersion(v); got != want {
			t.Errorf("FormatVersion(%d) = %q, want %q", v, got, want)
		}
	}
	if StateName(golibvirt.DomainPmsuspended) != "pmsuspended" || StateName(golibvirt.DomainNostate) != "" {
		t.Error("StateName")
	}
}

// TestRPCConnMock drives the go-libvirt implementation against go-libvirt's
// in-process mock, which answers the list, version and state calls (it has
// no canned reply for the domain XML).
func TestRPCConnMock(t *testing.T) {
	l := golibvirt.NewWithDialer(libvirttest.New())
	if err := l.Connect(); err != nil {
		t.Fatal(err)
	}
	c := &rpcConn{l: l, d: &recordingDialer{}}
	defer func() { _ = c.Close() }()
	v, err := c.LibVersion()
	if err != nil || FormatVersion(v) == "" {
		t.Fatalf("version %d, %v", v, err)
	}
	doms, err := c.ListDomains()
	if err != nil || len(doms) == 0 {
		t.Fatalf("domains %v, %v", doms, err)
	}
	if _, err := c.DomainState(doms[0]); err != nil {
		t.Fatal(err)
	}
}
