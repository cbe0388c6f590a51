// Package inventory reads the fleet file of `isoaudit scan --inventory`:
// the endpoints to audit (Docker and Podman daemons over a socket, TCP+TLS
// or ssh, the local libvirtd, and offline files), each with its own
// timeout.
package inventory

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/internal/yamlfile"
)

// FileError lists every problem of an inventory file with its line.
type FileError = yamlfile.FileError

// Defaults used when the file does not set them.
const (
	DefaultTimeout  = 2 * time.Minute
	DefaultParallel = 16
)

// Inventory is a parsed fleet file. Paths of file sources are absolute
// or relative to the inventory file's directory (already joined).
type Inventory struct {
	File      string
	Parallel  int // endpoints collected at once
	Endpoints []Endpoint
}

// Endpoint is one place to audit. Exactly one source field is set.
type Endpoint struct {
	Name string `yaml:"name"`
	// Docker is an Engine API URL: unix://, tcp:// (TLS from CertPath),
	// ssh://user@host. Podman's compatible socket works too.
	Docker string `yaml:"docker"`
	// CertPath is the directory with ca.pem, cert.pem and key.pem for a
	// tcp:// Docker endpoint (default: DOCKER_CERT_PATH).
	CertPath string `yaml:"tls_cert_path"`
	// Libvirt is a libvirt URI: local (qemu:///system, over LibvirtSocket
	// or the read-only socket) or remote (qemu+tcp, qemu+tls with the
	// LibvirtTLS* files, qemu+unix), as --libvirt-uri takes.
	Libvirt        string `yaml:"libvirt"`
	LibvirtSocket  string `yaml:"libvirt_socket"`
	LibvirtTLSCA   string `yaml:"libvirt_tls_ca"`
	LibvirtTLSCert string `yaml:"libvirt_tls_cert"`
	LibvirtTLSKey  string `yaml:"libvirt_tls_key"`
	// QEMUConf is the host's qemu.conf, for Libvirt or LibvirtXML.
	QEMUConf   string `yaml:"qemu_conf"`
	Inspect    string `yaml:"inspect"`
	Compose    string `yaml:"compose"`
	LibvirtXML string `yaml:"libvirt_xml"`
	VMX        string `yaml:"vmx"`
	VBox       string `yaml:"vbox"`
	// Timeout bounds the whole collection of this endpoint.
	Timeout time.Duration `yaml:"-"`
	// All audits created and exited containers too (Docker).
	All bool `yaml:"-"`
	// Line is where the entry starts in the file.
	Line int `yaml:"-"`
}

// Source names the endpoint's source kind and its value.
func (e *Endpoint) Source() (kind, value string) {
	for _, s := range e.sources() {
		if s.value != "" {
			return s.key, s.value
		}
	}
	return "", ""
}

type source struct{ key, value string }

func (e *Endpoint) sources() []source {
	return []source{{"docker", e.Docker}, {"libvirt", e.Libvirt}, {"inspect", e.Inspect}, {"compose", e.Compose},
		{"libvirt_xml", e.LibvirtXML}, {"vmx", e.VMX}, {"vbox", e.VBox}}
}

type settings struct {
	Timeout  string `yaml:"timeout"`
	Parallel int    `yaml:"parallel"`
	All      *bool  `yaml:"all"`
}

type rawEndpoint struct {
	Endpoint `yaml:",inline"`
	Timeout  string `yaml:"timeout"`
	All      *bool  `yaml:"all"`
}

type file struct {
	Defaults  settings      `yaml:"defaults"`
	Endpoints []rawEndpoint `yaml:"endpoints"`
}

// Load reads and validates an inventory file.
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	return Parse(data, path)
}

// Parse validates an inventory's bytes: unknown keys, an entry with no or
// several sources, bad URLs, durations and duplicate names are all
// reported, each with its line, in one *FileError.
func Parse(data []byte, path string) (*Inventory, error) {
	var f file
	root, ps, err := yamlfile.DecodeStrict(data, path, &f)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{File: path, Parallel: DefaultParallel}
	defaults := yamlfile.MappingValue(root, "defaults")
	timeout := parseDuration(f.Defaults.Timeout, DefaultTimeout, yamlfile.LineOf(defaults, "timeout"), "defaults timeout", &ps)
	if f.Defaults.Parallel < 0 {
		ps.Add(yamlfile.LineOf(defaults, "parallel"), "defaults parallel %d: must be at least 1", f.Defaults.Parallel)
	} else if f.Defaults.Parallel > 0 {
		inv.Parallel = f.Defaults.Parallel
	}
	list := yamlfile.MappingValue(root, "endpoints")
	if list == nil || list.Kind != yaml.SequenceNode || len(f.Endpoints) == 0 {
		if len(ps) == 0 {
			ps.Add(root.Line, "no endpoints: the file needs an 'endpoints:' list with at least one entry")
		}
		return nil, ps.Err(path)
	}
	dir := filepath.Dir(path)
	seen := map[string]int{}
	for i, raw := range f.Endpoints {
		n := list.Content[i]
		e := raw.Endpoint
		e.Line = n.Line
		e.Timeout = parseDuration(raw.Timeout, timeout, yamlfile.LineOf(n, "timeout"), "timeout", &ps)
		e.All = f.Defaults.All != nil && *f.Defaults.All
		if raw.All != nil {
			e.All = *raw.All
		}
		validate(&e, n, &ps)
		resolvePaths(&e, dir)
		if e.Name == "" {
			_, e.Name = e.Source()
		}
		if first, dup := seen[e.Name]; dup {
			ps.Add(e.Line, "endpoint %q already listed on line %d", e.Name, first)
		} else {
			seen[e.Name] = e.Line
		}
		inv.Endpoints = append(inv.Endpoints, e)
	}
	if err := ps.Err(path); err != nil {
		return nil, err
	}
	return inv, nil
}

func parseDuration(s string, def time.Duration, line int, what string, ps *yamlfile.Problems) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		ps.Add(line, "%s %q: want a positive duration such as 30s or 2m", what, s)
		return def
	}
	return d
}

var dockerSchemes = []string{"unix", "tcp", "ssh", "npipe", "http", "https"}

func validate(e *Endpoint, n *yaml.Node, ps *yamlfile.Problems) {
	var set []string
	for _, s := range e.sources() {
		if s.value != "" {
			set = append(set, s.key)
		}
	}
	keys := "docker, libvirt, inspect, compose, libvirt_xml, vmx, vbox"
	switch len(set) {
	case 0:
		ps.Add(n.Line, "endpoint %s: give one source (%s)", label(e), keys)
		return
	case 1:
	default:
		ps.Add(n.Line, "endpoint %s: give one source, not %s (list them as separate endpoints)", label(e), strings.Join(set, " and "))
		return
	}
	if e.Docker != "" {
		scheme, rest, ok := strings.Cut(e.Docker, "://")
		if !ok || rest == "" || !contains(dockerSchemes, scheme) {
			ps.Add(yamlfile.LineOf(n, "docker"), "endpoint %s: docker wants scheme://address (supported schemes: %s)", label(e), strings.Join(dockerSchemes, ", "))
		}
		if e.CertPath != "" && scheme != "tcp" && scheme != "https" {
			ps.Add(yamlfile.LineOf(n, "tls_cert_path"), "endpoint %s: tls_cert_path applies to tcp:// endpoints only", label(e))
		}
	} else if e.CertPath != "" {
		ps.Add(yamlfile.LineOf(n, "tls_cert_path"), "endpoint %s: tls_cert_path applies to docker endpoints only", label(e))
	}
	if e.Libvirt != "" {
		if u, err := url.Parse(e.Libvirt); err != nil || u.Scheme == "" || !strings.Contains(e.Libvirt, ":/") {
			ps.Add(yamlfile.LineOf(n, "libvirt"), "endpoint %s: libvirt wants a URI such as qemu:///system or qemu+tls://host/system", label(e))
		}
	}
	for _, k := range []struct{ key, value string }{{"libvirt_socket", e.LibvirtSocket}, {"libvirt_tls_ca", e.LibvirtTLSCA},
		{"libvirt_tls_cert", e.LibvirtTLSCert}, {"libvirt_tls_key", e.LibvirtTLSKey}} {
		if k.value != "" && e.Libvirt == "" {
			ps.Add(yamlfile.LineOf(n, k.key), "endpoint %s: %s applies to libvirt endpoints only", label(e), k.key)
		}
	}
	if e.QEMUConf != "" && e.Libvirt == "" && e.LibvirtXML == "" {
		ps.Add(yamlfile.LineOf(n, "qemu_conf"), "endpoint %s: qemu_conf applies to libvirt and libvirt_xml endpoints only", label(e))
	}
}

// resolvePaths makes file sources relative to the inventory's directory.
func resolvePaths(e *Endpoint, dir string) {
	for _, p := range []*string{&e.Inspect, &e.Compose, &e.LibvirtXML, &e.VMX, &e.VBox, &e.QEMUConf, &e.CertPath,
		&e.LibvirtTLSCA, &e.LibvirtTLSCert, &e.LibvirtTLSKey} {
		if *p != "" && *p != "-" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

func label(e *Endpoint) string {
	if e.Name != "" {
		return e.Name
	}
	if _, v := e.Source(); v != "" {
		return v
	}
	return fmt.Sprintf("at line %d", e.Line)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
