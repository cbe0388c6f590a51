package ship

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
	reportjson "github.com/isoaudit/isoaudit/pkg/report/json"
	"github.com/isoaudit/isoaudit/pkg/report/ocsf"
	"github.com/isoaudit/isoaudit/pkg/report/syslog"
)

// payload is what one target receives, built once and re-sent on retries.
type payload struct {
	messages    []string // syslog: one RFC 5424 message per finding
	body        []byte   // HTTP
	contentType string
}

// HECPath is the Splunk HEC endpoint used when a splunk+https URL has no path.
const HECPath = "/services/collector/event"

func encode(r *audit.Report, t Target) (payload, error) {
	switch {
	case strings.HasPrefix(t.scheme, "syslog+"):
		return payload{messages: slices.Collect(syslog.Messages(r))}, nil
	case t.scheme == "splunk+https":
		body, err := hecBody(r)
		return payload{body: body, contentType: "application/json"}, err
	}
	var buf bytes.Buffer
	if err := reportjson.New().Write(&buf, r); err != nil {
		return payload{}, err
	}
	return payload{body: buf.Bytes(), contentType: "application/json"}, nil
}

// hecEvent is the Splunk HEC envelope; a batch is envelopes stacked one
// after another (not a JSON array).
type hecEvent struct {
	Time       json.Number     `json:"time"`
	Host       string          `json:"host,omitempty"`
	Source     string          `json:"source"`
	Sourcetype string          `json:"sourcetype"`
	Event      json.RawMessage `json:"event"`
}

// hecBody wraps each finding's OCSF event in a HEC envelope (sourcetype
// "isoaudit:ocsf"), time in epoch seconds with milliseconds.
func hecBody(r *audit.Report) ([]byte, error) {
	var events bytes.Buffer
	if err := ocsf.New().Write(&events, r); err != nil {
		return nil, err
	}
	hosts := make(map[string]string, len(r.Assets))
	for _, a := range r.Assets {
		hosts[a.ID] = a.Host
	}
	ts := json.Number(strconv.FormatFloat(float64(r.CreatedAt.UnixMilli())/1000, 'f', 3, 64))
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(&events)
	sc.Buffer(nil, 64<<20)
	for i := 0; sc.Scan(); i++ {
		ev := hecEvent{Time: ts, Host: hosts[r.Findings.AssetID(i)], Source: "isoaudit", Sourcetype: "isoaudit:ocsf", Event: json.RawMessage(sc.Bytes())}
		if err := enc.Encode(ev); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), sc.Err()
}

// sendStream writes every message with RFC 6587 octet-counting framing
// ("LEN SP MSG") over TCP, or TLS when cfg is set, then closes the write
// side cleanly so the receiver sees every frame.
func sendStream(ctx context.Context, t Target, messages []string, cfg *tls.Config) error {
	d := &net.Dialer{}
	var conn net.Conn
	var err error
	if cfg != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", hostPort(t, "6514"))
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			return permanent{fmt.Errorf("connect: %w", err)}
		}
	} else {
		conn, err = d.DialContext(ctx, "tcp", hostPort(t, "514"))
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	bw := bufio.NewWriter(conn)
	for _, m := range messages {
		bw.WriteString(strconv.Itoa(len(m)))
		bw.WriteByte(' ')
		bw.WriteString(m)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if tc, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := tc.CloseWrite(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		// Wait for the receiver to close its side: it has then read
		// everything (a receiver that never answers is cut off by the
		// deadline, which is not a delivery failure).
		if _, err := io.Copy(io.Discard, conn); err != nil && !isTimeout(err) {
			return fmt.Errorf("close: %w", err)
		}
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sendUDP sends one datagram per message. UDP has no acknowledgement: only
// local errors and ICMP port-unreachable answers are seen.
func sendUDP(ctx context.Context, t Target, messages []string) error {
	conn, err := (&net.Dialer{}).DialContext(ctx, "udp", hostPort(t, "514"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	for _, m := range messages {
		if _, err := conn.Write([]byte(m)); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return nil
}

func sendHTTP(ctx context.Context, t Target, p payload, opts Options) error {
	u := *t.URL
	auth := ""
	switch t.scheme {
	case "splunk+https":
		u.Scheme = "https"
		if u.Path == "" || u.Path == "/" {
			u.Path = HECPath
		}
		if opts.Token == "" {
			return permanent{errors.New("a Splunk HEC token is required (--send-token-env or --send-token-file)")}
		}
		auth = "Splunk " + opts.Token
	case "http":
		if opts.Token != "" {
			return permanent{errors.New("refusing to send a token over plain http; use https")}
		}
	default:
		if opts.Token != "" {
			auth = "Bearer " + opts.Token
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(p.body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", p.contentType)
	req.Header.Set("User-Agent", "isoaudit")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		Proxy:           http.ProxyFromEnvironment,
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			return permanent{fmt.Errorf("post: %w", err)}
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("receiver answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout {
		return permanent{err}
	}
	return err
}
