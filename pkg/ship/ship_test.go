package ship_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/octetcounting"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
	"github.com/isoaudit/isoaudit/pkg/ship"
)

const token = "tok-3f1c9e-never-logged"

// testReport has findings of several statuses and names that need
// escaping in syslog structured data.
func testReport() *audit.Report {
	r := &audit.Report{
		SchemaVersion: audit.SchemaVersion,
		Tool:          audit.Tool{Name: "isoaudit", Version: "test"},
		CreatedAt:     time.Date(2026, 7, 1, 12, 0, 3, 0, time.UTC),
		Sources:       []audit.Source{{Kind: "docker", Endpoint: "unix:///var/run/docker.sock", Status: "ok", Assets: 2}},
		Assets: []audit.AssetResult{
			{Asset: &audit.Asset{ID: "docker/h/web", Name: "web", Kind: audit.KindContainer, Platform: "docker"}, Host: "h", Risk: 90, Grade: "F"},
			{Asset: &audit.Asset{ID: `docker/h/odd "x]"`, Name: `odd "x]"`, Kind: audit.KindContainer, Platform: "docker"}, Host: "h", Risk: 0, Grade: "A"},
		},
	}
	for i, c := range []struct {
		check, asset string
		status       audit.Status
	}{
		{"CE-PRIV-001", "docker/h/web", audit.StatusFail},
		{"CE-SOCK-001", "docker/h/web", audit.StatusWaived},
		{"CE-PRIV-001", `docker/h/odd "x]"`, audit.StatusPass},
		{"KH-006", `docker/h/odd "x]"`, audit.StatusUnknown},
	} {
		r.Findings.Append(audit.Finding{
			ID: audit.FindingID(c.check, "h", c.asset) + string(rune('a'+i)), CheckID: c.check, AssetID: c.asset,
			Status: c.status, Severity: audit.SeverityCritical, Title: "t " + c.check,
			Evidence: []audit.Evidence{{Path: "HostConfig.Privileged", Actual: true, Expected: "false"}},
		})
	}
	return r
}

func fastOptions() ship.Options {
	o := ship.DefaultOptions()
	o.Attempts, o.Backoff, o.MaxBackoff, o.Timeout = 3, 20*time.Millisecond, time.Second, 5*time.Second
	return o
}

func targets(t *testing.T, urls ...string) []ship.Target {
	t.Helper()
	var out []ship.Target
	for _, u := range urls {
		tg, err := ship.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tg)
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct{ url, wantErr string }{
		{"syslog+tcp://127.0.0.1:514", ""},
		{"syslog+tls://siem.example:6514", ""},
		{"syslog+udp://[::1]:514", ""},
		{"splunk+https://hec.example:8088", ""},
		{"https://hooks.example/isoaudit", ""},
		{"http://127.0.0.1:8080/hook", ""},
		{"syslog://h:514", `unknown scheme "syslog" (supported: syslog+tcp, syslog+tls, syslog+udp, splunk+https, https, http)`},
		{"syslog+tcp://h", "syslog receivers need a port"},
		{"https://user:s3cret@hooks.example/", "credentials in the URL"},
		{"https:///path", "no host"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			_, err := ship.Parse(tc.url)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Parse error = %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// TestSyslogToRsyslog sends over TCP (octet counting) and UDP to a real
// rsyslogd, which must parse every message as RFC 5424 and see every
// finding id.
func TestSyslogToRsyslog(t *testing.T) {
	rs := livetest.Rsyslog(t)
	r := testReport()
	err := ship.Send(context.Background(), r, targets(t, "syslog+tcp://"+rs.TCPAddr, "syslog+udp://"+rs.UDPAddr), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	lines := rs.WaitLines(2*r.Findings.Len(), 10*time.Second)
	if len(lines) != 2*r.Findings.Len() {
		t.Fatalf("rsyslog wrote %d lines, want %d:\n%s", len(lines), 2*r.Findings.Len(), strings.Join(lines, "\n"))
	}
	for _, f := range r.Findings.All() {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "isoaudit FINDING [isoaudit@32473 finding_id=\""+f.ID+"\"") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("finding %s arrived %d times, want 2 (tcp + udp)", f.ID, n)
		}
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "isoaudit test receiver"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestSyslogTLS: a TLS receiver that reads RFC 6587 octet-counted frames
// gets every message; without its CA the certificate is refused at once
// (no retries: verification cannot start working by itself).
func TestSyslogTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var got []*rfc5424.SyslogMessage
	var conns atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				octetcounting.NewParser(syslog.WithListener(func(res *syslog.Result) {
					if res.Error == nil {
						mu.Lock()
						got = append(got, res.Message.(*rfc5424.SyslogMessage))
						mu.Unlock()
					}
				})).Parse(c)
			}()
		}
	}()
	r := testReport()
	tg := targets(t, "syslog+tls://"+l.Addr().String())

	opts := fastOptions()
	err = ship.Send(context.Background(), r, tg, opts)
	var de *ship.DeliveryError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: err = %v", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for an untrusted certificate, want 1 (no retry)", n)
	}

	opts.RootCAs = pool
	if err := ship.Send(context.Background(), r, tg, opts); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= r.Findings.Len() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != r.Findings.Len() {
		t.Fatalf("received %d messages, want %d", len(got), r.Findings.Len())
	}
	for i, m := range got {
		if id := (*m.StructuredData)["isoaudit@32473"]["finding_id"]; id != r.Findings.At(i).ID {
			t.Errorf("message %d finding_id = %q", i, id)
		}
	}
}

// TestSplunkHEC: a TLS HEC receiver gets one stacked envelope per finding,
// with the token in the Authorization header.
func TestSplunkHEC(t *testing.T) {
	var body []byte
	var auth, path string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ = io.ReadAll(req.Body)
		auth, path = req.Header.Get("Authorization"), req.URL.Path
		io.WriteString(w, `{"text":"Success","code":0}`)
	}))
	defer srv.Close()
	opts := fastOptions()
	opts.Token = token
	opts.RootCAs = x509.NewCertPool()
	opts.RootCAs.AddCert(srv.Certificate())
	r := testReport()
	if err := ship.Send(context.Background(), r, targets(t, "splunk+"+srv.URL), opts); err != nil {
		t.Fatal(err)
	}
	if auth != "Splunk "+token || path != ship.HECPath {
		t.Errorf("auth %q path %q", auth, path)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	n := 0
	for ; dec.More(); n++ {
		var env struct {
			Time       float64 `json:"time"`
			Host       string  `json:"host"`
			Sourcetype string  `json:"sourcetype"`
			Event      struct {
				ClassUID    int `json:"class_uid"`
				FindingInfo struct {
					UID string `json:"uid"`
				} `json:"finding_info"`
			} `json:"event"`
		}
		if err := dec.Decode(&env); err != nil {
			t.Fatal(err)
		}
		if env.Event.ClassUID != 2003 || env.Event.FindingInfo.UID != r.Findings.At(n).ID || env.Time != 1782907203 || env.Host != "h" || env.Sourcetype != "isoaudit:ocsf" {
			t.Errorf("envelope %d = %+v", n, env)
		}
	}
	if n != r.Findings.Len() {
		t.Errorf("%d envelopes for %d findings", n, r.Findings.Len())
	}
}

// TestWebhook: an HTTPS webhook gets the native JSON report, with the
// token as a bearer token.
func TestWebhook(t *testing.T) {
	var body []byte
	var auth string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ = io.ReadAll(req.Body)
		auth = req.Header.Get("Authorization")
	}))
	defer srv.Close()
	opts := fastOptions()
	opts.Token = token
	opts.RootCAs = x509.NewCertPool()
	opts.RootCAs.AddCert(srv.Certificate())
	r := testReport()
	if err := ship.Send(context.Background(), r, targets(t, srv.URL+"/hook"), opts); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := reportjson.New().Write(&want, r); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer "+token || !bytes.Equal(body, want.Bytes()) {
		t.Errorf("auth %q; body equals the JSON report: %v", auth, bytes.Equal(body, want.Bytes()))
	}
}

// TestRetries: a receiver that is down is tried Attempts times with
// growing waits; a 5xx is retried until it succeeds; a 4xx is not retried;
// the token never appears in an error.
func TestRetries(t *testing.T) {
	t.Run("down receiver", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		start := time.Now()
		err := ship.Send(context.Background(), testReport(), targets(t, "syslog+tcp://"+addr), fastOptions())
		var de *ship.DeliveryError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err = %v", err)
		}
		if took := time.Since(start); took < 60*time.Millisecond { // 20 ms + 40 ms of backoff
			t.Errorf("gave up after %v: no backoff between 3 attempts", took)
		}
	})
	for _, tc := range []struct {
		name     string
		statuses []int
		wantReqs int32
		wantErr  string
	}{
		{"5xx then success", []int{503, 502, 200}, 3, ""},
		{"5xx every time", []int{500, 500, 500, 500}, 3, "500 Internal Server Error"},
		{"4xx is final", []int{401, 200}, 1, "401 Unauthorized"},
		{"429 is retried", []int{429, 200}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				n := reqs.Add(1)
				w.WriteHeader(tc.statuses[n-1])
				io.WriteString(w, "no")
			}))
			defer srv.Close()
			opts := fastOptions()
			opts.Token = token
			opts.RootCAs = x509.NewCertPool()
			opts.RootCAs.AddCert(srv.Certificate())
			err := ship.Send(context.Background(), testReport(), targets(t, "splunk+"+srv.URL), opts)
			if reqs.Load() != tc.wantReqs {
				t.Errorf("%d requests, want %d", reqs.Load(), tc.wantReqs)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("the token leaked into the error: %v", err)
			}
		})
	}
	t.Run("no token over plain http", func(t *testing.T) {
		opts := fastOptions()
		opts.Token = token
		err := ship.Send(context.Background(), testReport(), targets(t, "http://127.0.0.1:1/hook"), opts)
		if err == nil || !strings.Contains(err.Error(), "refusing to send a token over plain http") {
			t.Errorf("err = %v", err)
		}
	})
}
