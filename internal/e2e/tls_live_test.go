package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/scan"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// Bounds of the throwaway daemon's life.
const (
	tlsDaemonStartTimeout = 30 * time.Second
	tlsDaemonStopTimeout  = 20 * time.Second
)

// TestLiveTLSRemoteDaemon starts a second, throwaway dockerd that serves
// the Engine API only on tcp://127.0.0.1:<port> with mutual TLS (its own
// data root, exec root, pid file and containerd), gives it one container
// with the Docker socket bind-mounted, and audits it over TLS through the
// collector and the CLI, configured by DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
// DOCKER_HOST and --docker-host. Then it proves TLS is really in force: no
// client certificate, a client certificate from another CA, a CA that did
// not sign the server certificate and a host name the certificate does not
// name each leave the source in status "error" with a one-line message
// naming the endpoint, and the CLI exits 3.
func TestLiveTLSRemoteDaemon(t *testing.T) {
	began := time.Now()
	checkNoLeakedGoroutines(t) // registered first: runs after every other cleanup
	pki := newTLSPKI(t)
	d := startTLSDaemon(t, pki)
	t.Logf("second dockerd %s answered at %s after %s", d.version.Version, d.host, d.ready.Round(time.Millisecond))
	name := d.createSocketContainer(t)
	eng := builtinEngine(t)
	host := d.host

	// (a) the collector, the way a Go caller uses it.
	t.Run("collector/Options.Host", func(t *testing.T) {
		d.env(t, "", "1", pki.client, pki.emptyHome)
		rep := scanWith(t, eng, host)
		assertTLSScanOK(t, rep, d, name)
	})
	t.Run("collector/DOCKER_HOST", func(t *testing.T) {
		d.env(t, host, "1", pki.client, pki.emptyHome)
		rep := scanWith(t, eng, "")
		assertTLSScanOK(t, rep, d, name)
	})
	t.Run("collector/DOCKER_TLS_VERIFY with ~/.docker", func(t *testing.T) {
		// The docker CLI convention newAPIClient adds: no DOCKER_CERT_PATH
		// means $HOME/.docker.
		d.env(t, "", "1", "", pki.home)
		rep := scanWith(t, eng, host)
		assertTLSScanOK(t, rep, d, name)
	})

	// (b) the CLI in-process.
	t.Run("cli/--docker-host", func(t *testing.T) {
		d.env(t, "", "1", pki.client, pki.emptyHome)
		code, rep, stderr := runCLIReport(t, "scan", "--docker-host", host, "--all", "-o", "json")
		if code != cli.ExitOK {
			t.Fatalf("exit %d, want %d; stderr: %s", code, cli.ExitOK, stderr)
		}
		assertTLSReportOK(t, rep, d, name)
	})
	t.Run("cli/DOCKER_HOST", func(t *testing.T) {
		d.env(t, host, "1", pki.client, pki.emptyHome)
		code, rep, stderr := runCLIReport(t, "scan", "--all", "-o", "json")
		if code != cli.ExitOK {
			t.Fatalf("exit %d, want %d; stderr: %s", code, cli.ExitOK, stderr)
		}
		assertTLSReportOK(t, rep, d, name)
	})

	// (c) the daemon refuses clients without a certificate it trusts, and
	// the client refuses a daemon it cannot verify.
	for _, tc := range []struct {
		name, hostURL, verify, certPath string
		want                            []string // one must be in the source error
	}{
		{name: "rejected/no TLS environment", hostURL: host,
			want: []string{"HTTP request to an HTTPS server"}},
		{name: "rejected/client certificate from another CA", hostURL: host, verify: "1", certPath: pki.rogue,
			want: []string{"tls: ", "remote error", "connection reset", "broken pipe", "EOF"}},
		{name: "verify/server certificate from another CA", hostURL: host, verify: "1", certPath: pki.wrongCA,
			want: []string{"x509: certificate signed by unknown authority"}},
		{name: "verify/host name not in the certificate", hostURL: strings.Replace(host, "127.0.0.1", "localhost", 1), verify: "1", certPath: pki.client,
			want: []string{"x509: certificate is not valid for any names", "x509: certificate is valid for"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d.env(t, "", tc.verify, tc.certPath, pki.emptyHome)
			d.relay.markFailing()
			rep := scanWith(t, eng, tc.hostURL)
			assertSourceError(t, rep, tc.hostURL, tc.want)

			code, cliRep, stderr := runCLIReport(t, "scan", "--docker-host", tc.hostURL, "--all", "-o", "json")
			if code != cli.ExitIncomplete {
				t.Errorf("CLI exit %d, want %d; stderr: %s", code, cli.ExitIncomplete, stderr)
			}
			if cliRep != nil {
				assertSourceError(t, cliRep, tc.hostURL, tc.want)
			}
		})
	}

	// A certificate directory without the client certificate cannot even
	// build a client: the moby client needs cert.pem and key.pem.
	t.Run("rejected/DOCKER_CERT_PATH with only ca.pem", func(t *testing.T) {
		d.env(t, "", "1", pki.caOnly, pki.emptyHome)
		opts := docker.DefaultOptions()
		opts.Host = host
		if col, err := docker.New(opts); err == nil {
			_ = col.Close()
			t.Fatalf("docker.New accepted a certificate directory without cert.pem")
		} else if msg := err.Error(); !strings.Contains(msg, host) || !strings.Contains(msg, "cert.pem") || strings.Contains(msg, "\n") {
			t.Errorf("error %q: want one line naming %s and cert.pem", msg, host)
		}
		code, _, stderr := runCLIReport(t, "scan", "--docker-host", host, "-o", "json")
		t.Logf("CLI exit %d: %s", code, strings.TrimSpace(stderr))
		if code != cli.ExitUsage || !strings.Contains(stderr, host) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("CLI exit %d, want %d with one line naming %s; stderr: %q", code, cli.ExitUsage, host, stderr)
		}
	})

	// DOCKER_CERT_PATH alone still verifies the daemon (the docker CLI
	// would not): ca.pem did not sign its certificate.
	t.Run("verify/on without DOCKER_TLS_VERIFY", func(t *testing.T) {
		d.env(t, "", "", pki.wrongCA, pki.emptyHome)
		d.relay.markFailing()
		rep := scanWith(t, eng, host)
		assertSourceError(t, rep, host, []string{"x509: certificate signed by unknown authority"})
	})

	// The TLS environment is for the TCP endpoint; a local socket scanned
	// in the same run must not be spoken to over TLS (the docker CLI does
	// not either).
	t.Run("mixed/TLS environment and a local socket", func(t *testing.T) {
		local := client.DefaultDockerHost
		if _, err := os.Stat(strings.TrimPrefix(local, "unix://")); err != nil {
			t.Skipf("no local daemon socket: %v", err)
		}
		d.env(t, "", "1", pki.client, pki.emptyHome)
		code, rep, stderr := runCLIReport(t, "scan", "--docker-host", host, "--docker-host", local, "--no-host", "-o", "json")
		if rep == nil || len(rep.Sources) != 2 {
			t.Fatalf("exit %d, report %+v; stderr: %s", code, rep, stderr)
		}
		for _, src := range rep.Sources {
			if src.Status != audit.SourceOK { // TLS settings must not reach the local socket
				t.Errorf("source %+v: want ok", src)
			}
		}
		if code != cli.ExitOK {
			t.Errorf("exit %d, want %d; stderr: %s", code, cli.ExitOK, stderr)
		}
	})

	// Every scan closed its collector: once the test's own client is
	// closed too, no connection to the daemon may remain open.
	d.relay.setPhase(t.Name() + " (after the subtests)")
	_ = d.admin.Close()
	open, afterFailure := d.relay.waitIdle(3 * time.Second)
	if len(open) != 0 {
		t.Errorf("%d relayed connection(s) to the TLS daemon still open after every client closed:\n%s", len(open), strings.Join(open, "\n"))
	}
	if len(afterFailure) != 0 {
		// Collect must not return while requests of a failed scan are
		// still queued: one sent after the caller's Close would reopen a
		// connection nothing closes.
		t.Errorf("%d relayed connection(s) opened by failed scans are still open:\n%s",
			len(afterFailure), strings.Join(afterFailure, "\n"))
	}

	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("took %s, want under 30 s", took)
	} else {
		t.Logf("scans done %s after start", took.Round(time.Millisecond))
	}
}

// env sets the client environment for one subtest (t.Setenv restores
// it); "" means unset for the moby client. HOME decides where
// DOCKER_TLS_VERIFY without DOCKER_CERT_PATH looks. Connections the relay
// accepts from now on are labelled with the subtest's name.
func (d *tlsDaemon) env(t *testing.T, dockerHost, tlsVerify, certPath, home string) {
	t.Helper()
	d.relay.setPhase(t.Name())
	t.Setenv("DOCKER_HOST", dockerHost)
	t.Setenv("DOCKER_TLS_VERIFY", tlsVerify)
	t.Setenv("DOCKER_CERT_PATH", certPath)
	t.Setenv("HOME", home)
}

func builtinEngine(t *testing.T) *engine.Engine {
	t.Helper()
	cat, err := checks.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// scanWith scans one endpoint ("" means DOCKER_HOST) with every container
// included; unlike liveScanHost it returns reports whose source failed.
func scanWith(t *testing.T, eng *engine.Engine, host string) *audit.Report {
	t.Helper()
	opts := docker.DefaultOptions()
	opts.Host, opts.All, opts.RequestTimeout = host, true, 10*time.Second
	col, err := docker.New(opts)
	if err != nil {
		t.Fatalf("docker.New(%q): %v", host, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, scan.Config{Collectors: []collect.Collector{col}, Engine: eng,
		Weights: score.DefaultWeights(), Gate: policy.NoGate(), Tool: audit.Tool{Name: "isoaudit", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 1 {
		t.Fatalf("sources = %+v, want one", rep.Sources)
	}
	return rep
}

// runCLIReport runs the CLI in-process and decodes the JSON report it
// printed (nil when it printed none).
func runCLIReport(t *testing.T, args ...string) (int, *audit.Report, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if strings.TrimSpace(stdout) == "" {
		return code, nil, stderr
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("exit %d: stdout is not a JSON report: %v\n%s", code, err, stdout)
	}
	return code, &rep, stderr
}

// assertTLSScanOK checks an in-process scan of the TLS daemon: source ok,
// the container found, host facts read from that daemon, CE-SOCK-001 failed.
func assertTLSScanOK(t *testing.T, rep *audit.Report, d *tlsDaemon, name string) {
	t.Helper()
	a := assertTLSReportOK(t, rep, d, name)
	if a == nil {
		return
	}
	h := a.Asset.Host
	if !h.Known || h.Hostname != d.info.Name || h.Kernel != d.info.KernelVersion ||
		h.Engine.Name != "docker" || h.Engine.Version != d.version.Version || h.Engine.APIVersion == "" || h.OS == "" {
		t.Errorf("host facts not read from the TLS daemon: %+v (want name %q, kernel %q, version %q)",
			h, d.info.Name, d.info.KernelVersion, d.version.Version)
	}
}

// assertTLSReportOK checks what also survives the JSON report and returns
// the container's asset.
func assertTLSReportOK(t *testing.T, rep *audit.Report, d *tlsDaemon, name string) *audit.AssetResult {
	t.Helper()
	if rep == nil {
		t.Fatal("no report")
	}
	// Without source flags, discovery also reads the local libvirtd: only
	// the Docker API sources and container assets are this test's.
	rep.Sources = slices.DeleteFunc(rep.Sources, func(s audit.Source) bool { return s.Kind != docker.Kind })
	rep.Assets = slices.DeleteFunc(rep.Assets, func(a audit.AssetResult) bool { return a.Kind != audit.KindContainer })
	if len(rep.Sources) != 1 {
		t.Fatalf("want one Docker API source, got %+v", rep.Sources)
	}
	src := rep.Sources[0]
	if src.Status != audit.SourceOK || src.Kind != docker.Kind || src.Endpoint != d.host || src.Assets != 1 || len(rep.Errors) != 0 {
		t.Fatalf("source %+v, errors %+v: want ok at %s with 1 asset", src, rep.Errors, d.host)
	}
	if len(rep.Assets) != 1 || rep.Assets[0].Name != name {
		t.Fatalf("assets %+v, want only %s", rep.Assets, name)
	}
	a := &rep.Assets[0]
	if a.Source != d.host || a.Host != d.info.Name || !strings.HasPrefix(a.ID, "docker://"+d.info.Name+"/") {
		t.Errorf("asset %s from %q on host %q; want source %s, host %s", a.ID, a.Source, a.Host, d.host, d.info.Name)
	}
	fails := failing(rep, a.ID)
	if _, ok := fails["CE-SOCK-001"]; !ok {
		t.Errorf("CE-SOCK-001 did not fail; failing: %s", keys(fails))
	} else {
		assertEvidence(t, fails["CE-SOCK-001"], "Mounts[].Source", "/var/run/docker.sock")
	}
	return a
}

// assertSourceError checks that the only source failed with a one-line
// message naming endpoint and containing one of want.
func assertSourceError(t *testing.T, rep *audit.Report, endpoint string, want []string) {
	t.Helper()
	src := rep.Sources[0]
	if src.Status != audit.SourceError || src.Endpoint != endpoint || len(rep.Assets) != 0 {
		t.Fatalf("source %+v with %d assets: want status error at %s and nothing audited", src, len(rep.Assets), endpoint)
	}
	msg := src.Error
	t.Logf("source error: %s", msg)
	if strings.ContainsAny(msg, "\r\n") || !strings.Contains(msg, endpoint) {
		t.Errorf("source error %q: want one line naming %s", msg, endpoint)
	}
	for _, w := range want {
		if strings.Contains(msg, w) {
			return
		}
	}
	t.Errorf("source error %q contains none of %q", msg, want)
}

// tlsPKI is a throwaway CA, the server files for dockerd and the client
// certificate directories the subtests point DOCKER_CERT_PATH at.
type tlsPKI struct {
	serverCA, serverCert, serverKey string // dockerd --tlscacert, --tlscert, --tlskey
	client                          string // ca.pem, cert.pem, key.pem: all good
	caOnly                          string // ca.pem alone
	wrongCA                         string // the good client pair, ca.pem of a CA that did not sign the server
	rogue                           string // good ca.pem, client pair signed by another CA
	home                            string // $HOME whose .docker holds the good client files
	emptyHome                       string // $HOME without .docker
}

func newTLSPKI(t *testing.T) tlsPKI {
	t.Helper()
	dir := t.TempDir()
	ca := newTestCA(t, "isoaudit test CA")
	other := newTestCA(t, "isoaudit untrusted CA")
	srvCert, srvKey := ca.issue(t, "isoaudit test daemon", true)
	cliCert, cliKey := ca.issue(t, "isoaudit test client", false)
	rogueCert, rogueKey := other.issue(t, "isoaudit rogue client", false)

	p := tlsPKI{
		client: filepath.Join(dir, "client"), caOnly: filepath.Join(dir, "ca-only"),
		wrongCA: filepath.Join(dir, "wrong-ca"), rogue: filepath.Join(dir, "rogue"),
		home: filepath.Join(dir, "home"), emptyHome: filepath.Join(dir, "empty-home"),
	}
	server := filepath.Join(dir, "server")
	p.serverCA, p.serverCert, p.serverKey = filepath.Join(server, "ca.pem"), filepath.Join(server, "server-cert.pem"), filepath.Join(server, "server-key.pem")
	writePEMDir(t, server, map[string][]byte{"ca.pem": ca.certPEM, "server-cert.pem": srvCert, "server-key.pem": srvKey})
	writePEMDir(t, p.client, map[string][]byte{"ca.pem": ca.certPEM, "cert.pem": cliCert, "key.pem": cliKey})
	writePEMDir(t, p.caOnly, map[string][]byte{"ca.pem": ca.certPEM})
	writePEMDir(t, p.wrongCA, map[string][]byte{"ca.pem": other.certPEM, "cert.pem": cliCert, "key.pem": cliKey})
	writePEMDir(t, p.rogue, map[string][]byte{"ca.pem": ca.certPEM, "cert.pem": rogueCert, "key.pem": rogueKey})
	writePEMDir(t, filepath.Join(p.home, ".docker"), map[string][]byte{"ca.pem": ca.certPEM, "cert.pem": cliCert, "key.pem": cliKey})
	if err := os.MkdirAll(p.emptyHome, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// testCA is a certificate authority that lives for one test.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key := newECKey(t)
	tmpl := certTemplate(t, cn)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate: for a server, valid for the IP
// 127.0.0.1 only (no DNS names); otherwise a client certificate.
func (ca testCA) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key := newECKey(t)
	tmpl := certTemplate(t, cn)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatalf("issue %s: %v", cn, err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func certTemplate(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"isoaudit tests"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
}

// writePEMDir writes files into a new 0700 directory: keys 0600, the
// rest 0644.
func writePEMDir(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		mode := os.FileMode(0o644)
		if strings.Contains(name, "key") {
			mode = 0o600
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// tlsDaemon is the throwaway dockerd.
type tlsDaemon struct {
	host    string // tcp://127.0.0.1:<port>, as the clients see it
	admin   *client.Client
	relay   *tcpRelay
	info    system.Info
	version client.ServerVersionResult
	ready   time.Duration // from start to the first answer
}

// tlsDaemonAddr is where dockerd listens inside its own network namespace.
const tlsDaemonAddr = "127.0.0.1:2376"

// startTLSDaemon starts dockerd as a child serving the Engine API only on
// TCP with --tlsverify, isolated from the main daemon: its own data root,
// exec root (where it starts its own containerd), pid file, empty config
// file and containerd namespaces, no bridge, no iptables, no IP forwarding
// or masquerading — and its own network namespace, because dockerd
// --bridge=none deletes the host's docker0 link at start-up. A relay on
// the host's 127.0.0.1:<free port> passes the raw bytes to dockerd's
// 127.0.0.1:2376 in that namespace, so TLS runs end to end between the
// client and dockerd. Everything is stopped, and left-over processes,
// mounts and interfaces fail the test, when it ends. Without root or
// dockerd, or when it does not answer within tlsDaemonStartTimeout, the
// test is skipped (failed under ISOAUDIT_LIVE=require) with the daemon's
// last log lines.
func startTLSDaemon(t *testing.T, pki tlsPKI) *tlsDaemon {
	t.Helper()
	if os.Geteuid() != 0 {
		tlsDaemonUnavailable(t, "a second dockerd needs root", "")
	}
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		tlsDaemonUnavailable(t, "dockerd is not installed: "+err.Error(), "")
	}
	checkHostUndisturbed(t)

	// Short paths: containerd's sockets live under the exec root and unix
	// socket paths are limited to 108 bytes.
	base, err := os.MkdirTemp("", "isoaudit-tlsd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("remove %s: %v", base, err)
		}
	})
	cfgFile, logPath := filepath.Join(base, "daemon.json"), filepath.Join(base, "dockerd.log")
	if err := os.WriteFile(cfgFile, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	netns, err := newNetnsWorker()
	if err != nil {
		tlsDaemonUnavailable(t, "private network namespace: "+err.Error(), "")
	}
	t.Cleanup(netns.close) // after the daemon stopped: its Pdeathsig follows this thread
	relay, err := startRelay(netns, tlsDaemonAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(relay.close)
	host := "tcp://" + relay.addr()

	ns := "isoaudit-tls-" + filepath.Base(base)
	cmd := exec.Command(dockerd,
		"--host", "tcp://"+tlsDaemonAddr, "--tlsverify", "--tlscacert", pki.serverCA, "--tlscert", pki.serverCert, "--tlskey", pki.serverKey,
		"--data-root", filepath.Join(base, "root"), "--exec-root", filepath.Join(base, "exec"),
		"--pidfile", filepath.Join(base, "dockerd.pid"), "--config-file", cfgFile,
		"--containerd-namespace", ns, "--containerd-plugins-namespace", ns+"-plugins",
		"--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false",
		"--log-level", "info")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, and killed if this test process dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	netns.do(func() { err = cmd.Start() }) // forked from the namespace's thread
	if err != nil {
		tlsDaemonUnavailable(t, "start dockerd: "+err.Error(), logPath)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	up := false // once it answered, a failing test also shows its log
	t.Cleanup(func() { stopTLSDaemon(t, cmd, exited, base, logPath, up) })

	admin, err := client.New(client.WithHost(host),
		client.WithTLSClientConfig(filepath.Join(pki.client, "ca.pem"), filepath.Join(pki.client, "cert.pem"), filepath.Join(pki.client, "key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	relay.setPhase("start-up")
	d := &tlsDaemon{host: host, admin: admin, relay: relay}
	deadline := time.Now().Add(tlsDaemonStartTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = admin.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			exited <- werr // for stopTLSDaemon
			tlsDaemonUnavailable(t, fmt.Sprintf("dockerd exited during start-up (%v)", werr), logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tlsDaemonUnavailable(t, fmt.Sprintf("dockerd did not answer at %s within %s: %v", host, tlsDaemonStartTimeout, err), logPath)
		}
	}
	d.ready, up = time.Since(start), true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := admin.Info(ctx, client.InfoOptions{})
	if err != nil {
		t.Fatalf("info of the TLS daemon: %v", err)
	}
	d.info = info.Info
	if d.version, err = admin.ServerVersion(ctx, client.ServerVersionOptions{}); err != nil {
		t.Fatalf("version of the TLS daemon: %v", err)
	}
	if d.info.DockerRootDir != filepath.Join(base, "root") {
		t.Fatalf("%s is served by the daemon rooted at %s, not the one this test started", host, d.info.DockerRootDir)
	}
	if pids := processesMentioning(filepath.Join(base, "exec", "containerd")); len(pids) > 0 {
		t.Logf("the TLS daemon runs its own containerd (pid %v)", pids)
	} else {
		t.Logf("the TLS daemon uses the system containerd, namespace %s", ns)
	}
	return d
}

// netnsWorker runs functions on one OS thread that lives in a private
// network namespace with only an up loopback interface.
type netnsWorker struct{ jobs chan func() }

func newNetnsWorker() (*netnsWorker, error) {
	w := &netnsWorker{jobs: make(chan func())}
	ready := make(chan error, 1)
	go func() {
		// Never unlocked: when this goroutine returns the runtime ends the
		// thread, so no other goroutine ever runs in the namespace.
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("unshare: %w", err)
			return
		}
		if err := loopbackUp(); err != nil {
			ready <- err
			return
		}
		ready <- nil
		for job := range w.jobs {
			job()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return w, nil
}

// do runs job on the namespace's thread and waits for it.
func (w *netnsWorker) do(job func()) {
	done := make(chan struct{})
	w.jobs <- func() { defer close(done); job() }
	<-done
}

func (w *netnsWorker) close() { close(w.jobs) }

// loopbackUp sets IFF_UP on lo in the calling thread's network namespace
// (which gives it 127.0.0.1).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer syscall.Close(fd)
	var ifr [40]byte // struct ifreq: the name, then ifr_flags
	copy(ifr[:], "lo")
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		return fmt.Errorf("get lo flags: %w", errno)
	}
	binary.NativeEndian.PutUint16(ifr[16:], binary.NativeEndian.Uint16(ifr[16:])|syscall.IFF_UP)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		return fmt.Errorf("set lo up: %w", errno)
	}
	return nil
}

// tcpRelay accepts on the host's loopback and copies each connection's
// bytes, both ways, to target dialled inside a netnsWorker's namespace.
type tcpRelay struct {
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]relayConn
	closed  bool
	phase   string          // what the test is doing, recorded with each connection
	failing map[string]bool // phases whose scans are meant to fail
}

func startRelay(w *netnsWorker, target string) (*tcpRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &tcpRelay{ln: ln, conns: map[net.Conn]relayConn{}, failing: map[string]bool{}}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.pipe(w, in, target)
			}()
		}
	}()
	return r, nil
}

func (r *tcpRelay) addr() string { return r.ln.Addr().String() }

func (r *tcpRelay) pipe(w *netnsWorker, in net.Conn, target string) {
	if !r.track(in, "client") {
		return
	}
	defer r.untrack(in)
	var out net.Conn
	var err error
	w.do(func() { out, err = net.DialTimeout("tcp", target, 5*time.Second) })
	if err != nil || !r.track(out, "daemon") {
		return
	}
	defer r.untrack(out)
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src net.Conn) {
		n, _ := io.Copy(dst, src)
		r.mu.Lock()
		if rc, ok := r.conns[src]; ok {
			rc.read, rc.eof = n, true
			r.conns[src] = rc
		}
		r.mu.Unlock()
		_ = dst.(*net.TCPConn).CloseWrite()
		done <- struct{}{}
	}
	go copyHalf(out, in)
	go copyHalf(in, out)
	<-done
	<-done
}

// relayConn describes one open side of a relayed connection.
type relayConn struct {
	side  string // "client" or "daemon"
	phase string
	since time.Time
	read  int64 // bytes read from it once it reached EOF
	eof   bool
}

func (r *tcpRelay) setPhase(phase string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.phase = phase
}

// markFailing records that the scans of the current phase are meant to
// fail.
func (r *tcpRelay) markFailing() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing[r.phase] = true
}

// track registers c for close; false (c closed) once the relay closed.
func (r *tcpRelay) track(c net.Conn, side string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		_ = c.Close()
		return false
	}
	r.conns[c] = relayConn{side: side, phase: r.phase, since: time.Now()}
	return true
}

func (r *tcpRelay) untrack(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
	_ = c.Close()
}

// waitIdle waits up to timeout for every relayed connection to end but
// those opened in a phase marked failing, and describes the connections
// still open: opened in other phases, and in failing ones.
func (r *tcpRelay) waitIdle(timeout time.Duration) (open, afterFailure []string) {
	snapshot := func() (open, afterFailure []string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for c, rc := range r.conns {
			desc := fmt.Sprintf("%s side %s<->%s opened during %q, open for %s (eof %v after %d bytes)",
				rc.side, c.LocalAddr(), c.RemoteAddr(), rc.phase, time.Since(rc.since).Round(time.Millisecond), rc.eof, rc.read)
			if r.failing[rc.phase] {
				afterFailure = append(afterFailure, desc)
			} else {
				open = append(open, desc)
			}
		}
		return open, afterFailure
	}
	waitFor(timeout, func() bool { open, _ := snapshot(); return len(open) == 0 })
	return snapshot()
}

// close stops accepting, closes every open connection and waits for the
// relay's goroutines.
func (r *tcpRelay) close() {
	_ = r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// createSocketContainer imports the busybox test image into the TLS daemon
// (no registry: the layer is built from the host's busybox-static and
// sent over TLS) and creates, without starting, a container that
// bind-mounts the Docker socket.
func (d *tlsDaemon) createSocketContainer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := livetest.ImportBusybox(ctx, d.admin, livetest.BusyboxRef); err != nil {
		if os.Getenv(livetest.EnvLive) == "require" {
			t.Fatalf("import the test image into the TLS daemon: %v (%s=require)", err, livetest.EnvLive)
		}
		t.Skipf("cannot import the test image into the TLS daemon: %v", err)
	}
	name := livetest.NamePrefix + "tls-sock"
	_, err := d.admin.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name,
		Config: &container.Config{Image: livetest.BusyboxRef, Cmd: []string{"/bin/sleep", "3600"}, Labels: map[string]string{livetest.Label: "1"}},
		HostConfig: &container.HostConfig{NetworkMode: "none",
			Binds: []string{"/var/run/docker.sock:/var/run/docker.sock"}}})
	if err != nil {
		t.Fatalf("create container on the TLS daemon: %v", err)
	}
	return name
}

// stopTLSDaemon stops dockerd with SIGTERM (it then stops its containerd),
// escalating to SIGKILL of its process group, and fails the test if any
// process or mount of the daemon outlives it (removing them so nothing is
// left behind).
func stopTLSDaemon(t *testing.T, cmd *exec.Cmd, exited chan error, base, logPath string, showLog bool) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(tlsDaemonStopTimeout):
		t.Errorf("dockerd did not stop within %s of SIGTERM; killing its process group\n%s", tlsDaemonStopTimeout, logTail(logPath, 20))
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	if pids := processesMentioning(base); len(pids) > 0 {
		t.Errorf("processes of the TLS daemon outlived it: %v; killing them", pids)
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		waitFor(5*time.Second, func() bool { return len(processesMentioning(base)) == 0 })
	}
	if mounts := mountsUnder(base); len(mounts) > 0 {
		t.Errorf("mounts of the TLS daemon outlived it: %v; unmounting them", mounts)
		for i := len(mounts) - 1; i >= 0; i-- {
			_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
		}
	}
	if showLog && t.Failed() {
		t.Logf("TLS dockerd log tail:\n%s", logTail(logPath, 20))
	}
}

// tlsDaemonUnavailable skips the test, or fails it under
// ISOAUDIT_LIVE=require, with the daemon's last log lines.
func tlsDaemonUnavailable(t *testing.T, reason, logPath string) {
	t.Helper()
	if logPath != "" {
		reason += "\nlast dockerd log lines:\n" + logTail(logPath, 20)
	}
	if os.Getenv(livetest.EnvLive) == "require" {
		t.Fatalf("TLS test daemon unavailable (%s=require): %s", livetest.EnvLive, reason)
	}
	t.Skipf("TLS test daemon unavailable: %s", reason)
}

// checkHostUndisturbed records whether the host has the main daemon's
// bridge, docker0, and whether the main daemon answers now and, when the
// test ends (after the TLS daemon stopped), fails the test if docker0
// vanished (dockerd --bridge=none deletes docker0 in its network
// namespace, which is why the TLS daemon gets its own) or the main daemon
// no longer answers with the same version.
func checkHostUndisturbed(t *testing.T) {
	t.Helper()
	const bridge = "docker0"
	if _, err := net.InterfaceByName(bridge); err == nil {
		t.Cleanup(func() {
			if _, err := net.InterfaceByName(bridge); err != nil {
				t.Errorf("the host's %s vanished during the test: %v", bridge, err)
			}
		})
	}
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = client.DefaultDockerHost
	}
	if !strings.HasPrefix(host, "unix://") {
		return
	}
	version := func() (string, error) {
		cli, err := client.New(client.WithHost(host))
		if err != nil {
			return "", err
		}
		defer cli.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
		return v.Version, err
	}
	before, err := version()
	if err != nil {
		return // no main daemon to disturb
	}
	t.Cleanup(func() {
		if after, err := version(); err != nil || after != before {
			t.Errorf("main daemon at %s after the test: version %q, %v (was %q)", host, after, err, before)
		}
	})
}

// checkNoLeakedGoroutines fails the test if, once every cleanup has run,
// more HTTP, TLS, os/exec or relay goroutines remain than when it started.
func checkNoLeakedGoroutines(t *testing.T) {
	t.Helper()
	before := len(netGoroutines())
	t.Cleanup(func() {
		var left []string
		waitFor(5*time.Second, func() bool { left = netGoroutines(); return len(left) <= before })
		if len(left) > before {
			t.Errorf("%d network/exec goroutines left (had %d):\n%s", len(left), before, strings.Join(left, "\n\n"))
		}
	})
}

func netGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the calling goroutine
			continue
		}
		if strings.Contains(g, "net/http.(*persistConn)") || strings.Contains(g, "crypto/tls.") ||
			strings.Contains(g, "os/exec.") || strings.Contains(g, "net/http.(*Transport).dialConn") ||
			strings.Contains(g, "e2e.(*tcpRelay)") || strings.Contains(g, "e2e.newNetnsWorker") || strings.Contains(g, "e2e.startRelay") {
			out = append(out, g)
		}
	}
	return out
}

// processesMentioning lists the processes whose command line contains a
// path below dir.
func processesMentioning(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// mountsUnder lists the mount points at or below dir in this mount
// namespace, outermost first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "(no log)"
		}
		return fmt.Sprintf("(read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func waitFor(timeout time.Duration, done func() bool) {
	deadline := time.Now().Add(timeout)
	for !done() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}
