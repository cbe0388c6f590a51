package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/collect/host"
	"github.com/isoaudit/isoaudit/pkg/collect/inspectfile"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirt"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirtxml"
	"github.com/isoaudit/isoaudit/pkg/collect/vbox"
	"github.com/isoaudit/isoaudit/pkg/collect/vmx"
)

// buildCollectors turns the source flags into collectors. With no source
// flag and no DOCKER_HOST it discovers the local engine sockets; those not
// present are returned as skipped sources so the report says so.
func buildCollectors(f *scanFlags, s Streams, log zerolog.Logger) ([]collect.Collector, []audit.Source, error) {
	var out []collect.Collector
	stdinUsed := false
	for _, path := range f.inspectFiles {
		if path == "-" {
			if stdinUsed {
				return nil, nil, usageErr("--inspect - given twice: stdin can be read once")
			}
			stdinUsed = true
		}
		c, err := inspectfile.New(inspectfile.Options{Path: path, Stdin: s.In})
		if err != nil {
			return nil, nil, usageErr("--inspect %s: %v", path, err)
		}
		out = append(out, c)
	}
	composed, err := composeCollectors(f, log)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, composed...)
	if f.inv != nil {
		fleet, err := inventoryCollectors(f, f.inv, log)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, fleet...)
	}
	vms, err := vmCollectors(f, log)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, vms...)
	hosts := f.dockerHosts
	var skipped []audit.Source
	uri := f.libvirtURI
	if f.noSources() && !f.self {
		hosts, skipped = discoverEngines(os.Getenv("DOCKER_HOST"), os.Getenv("XDG_RUNTIME_DIR"))
		if _, err := os.Stat(libvirt.DefaultSocket); err == nil {
			uri = libvirt.DefaultURI
		} else {
			skipped = append(skipped, audit.Source{Kind: libvirt.Kind, Endpoint: libvirt.DefaultURI,
				Status: audit.SourceSkipped, Error: "no socket at " + libvirt.DefaultSocket})
		}
	}
	if uri != "" {
		opts := libvirt.DefaultOptions()
		opts.URI, opts.QEMUConfPath = uri, f.qemuConf
		opts.Concurrency, opts.RequestTimeout = f.concurrency, f.reqTimeout
		opts.TLSCA, opts.TLSCert, opts.TLSKey = f.libvirtTLSCA, f.libvirtTLSCert, f.libvirtTLSKey
		opts.Logger = log.With().Str("source", libvirt.Kind).Logger()
		// With --root (a node's root mounted into a pod), the local
		// libvirtd's packages and qemu.conf are the root's, not ours.
		confPath := libvirt.DefaultQEMUConf
		if f.root != "" {
			opts.PackageRoot, confPath = f.root, filepath.Join(f.root, libvirt.DefaultQEMUConf)
		}
		c, err := libvirt.New(opts)
		if err != nil {
			return nil, nil, usageErr("--libvirt-uri: %v", err)
		}
		if opts.QEMUConfPath == "" && c.Local() && readable(confPath) {
			// The socket is local, so is the driver's configuration.
			opts.QEMUConfPath = confPath
			if c, err = libvirt.New(opts); err != nil {
				return nil, nil, usageErr("--libvirt-uri: %v", err)
			}
		}
		out = append(out, c)
	}
	if f.auditsHost() {
		c, err := hostCollector(f, log)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
	}
	if f.self {
		return out, skipped, nil
	}
	for _, h := range hosts {
		opts := docker.DefaultOptions()
		opts.Host, opts.All, opts.Concurrency, opts.RequestTimeout = h, f.all, f.concurrency, f.reqTimeout
		opts.Logger = log.With().Str("source", "docker").Logger()
		c, err := docker.New(opts)
		if err != nil {
			return nil, nil, usageErr("--docker-host %s: %v", h, err)
		}
		out = append(out, c)
	}
	return out, skipped, nil
}

// discoverEngines returns the endpoints to scan when no source was named:
// DOCKER_HOST alone when set; otherwise every local engine socket that
// exists (rootful Docker, rootless Docker, rootful and rootless Podman),
// and the ones that do not as skipped sources.
func discoverEngines(dockerHost, runtimeDir string) ([]string, []audit.Source) {
	if dockerHost != "" {
		return []string{dockerHost}, nil
	}
	// Every candidate speaks the Docker Engine API (Podman serves it too),
	// so each is a source of kind "docker"; assets carry the platform.
	cands := []string{"/var/run/docker.sock", "/run/podman/podman.sock"}
	if runtimeDir != "" {
		cands = append(cands, filepath.Join(runtimeDir, "docker.sock"), filepath.Join(runtimeDir, "podman", "podman.sock"))
	}
	var hosts []string
	var skipped []audit.Source
	seen := map[string]bool{}
	for _, path := range cands {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			reason := "no socket at " + path
			if !errors.Is(err, fs.ErrNotExist) {
				reason = fmt.Sprintf("cannot resolve %s: %v", path, err)
			}
			skipped = append(skipped, audit.Source{Kind: docker.Kind, Endpoint: "unix://" + path, Status: audit.SourceSkipped, Error: reason})
			continue
		}
		if seen[real] { // /var/run is usually a link to /run
			continue
		}
		seen[real] = true
		hosts = append(hosts, "unix://"+path)
	}
	return hosts, skipped
}

// vmCollectors builds the offline VM collectors: one per
// --libvirt-xml path (each applying --qemu-conf), per --vmx and per --vbox
// path. Inputs are read here, so an unreadable path
// or one holding no readable domain is a usage error (exit 2); a bad file
// inside a directory only costs that file (exit 3).
func vmCollectors(f *scanFlags, log zerolog.Logger) ([]collect.Collector, error) {
	if f.qemuConf != "" && len(f.libvirtXML) == 0 && f.libvirtURI == "" {
		return nil, usageErr("--qemu-conf applies to libvirt domains; give --libvirt-xml or --libvirt-uri too")
	}
	var out []collect.Collector
	for _, path := range f.libvirtXML {
		opts := libvirtxml.DefaultOptions()
		opts.Path, opts.QEMUConfPath, opts.SecureXML = path, f.qemuConf, f.libvirtSecure
		opts.Logger = log.With().Str("source", libvirtxml.Kind).Logger()
		c, err := libvirtxml.New(opts)
		if err != nil {
			return nil, usageErr("--libvirt-xml %s: %v", path, err)
		}
		out = append(out, c)
	}
	for _, path := range f.vmxFiles {
		opts := vmx.DefaultOptions()
		opts.Path, opts.Logger = path, log.With().Str("source", vmx.Kind).Logger()
		c, err := vmx.New(opts)
		if err != nil {
			return nil, usageErr("--vmx %s: %v", path, err)
		}
		out = append(out, c)
	}
	for _, path := range f.vboxFiles {
		opts := vbox.DefaultOptions()
		opts.Path, opts.Logger = path, log.With().Str("source", vbox.Kind).Logger()
		c, err := vbox.New(opts)
		if err != nil {
			return nil, usageErr("--vbox %s: %v", path, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// readable reports whether path is a regular file this process can open.
func readable(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}

// auditsHost reports whether the scan audits a host asset: --root and
// --self always; otherwise every scan of a live local source (discovery,
// a unix:// engine socket, the local libvirtd) unless --no-host. Offline
// files and remote daemons describe other machines, so scanning only
// those does not audit the one isoaudit runs on.
func (f *scanFlags) auditsHost() bool {
	if f.root != "" || f.self {
		return true
	}
	if f.noHost {
		return false
	}
	if f.noSources() {
		return true
	}
	if strings.HasPrefix(f.libvirtURI, "qemu:///") {
		return true
	}
	for _, h := range f.dockerHosts {
		if strings.HasPrefix(h, "unix://") || strings.HasPrefix(h, "/") {
			return true
		}
	}
	return false
}

// noSourcesBesidesHost reports whether no container or VM source was
// named.
func (f *scanFlags) noSourcesBesidesHost() bool {
	return len(f.dockerHosts)+len(f.inspectFiles)+len(f.libvirtXML)+len(f.vmxFiles)+len(f.vboxFiles)+len(f.composeFiles) == 0 &&
		f.libvirtURI == "" && f.inventory == ""
}

// hostCollector builds the host collector: the running machine, or the
// root filesystem of --root.
func hostCollector(f *scanFlags, log zerolog.Logger) (collect.Collector, error) {
	opts := host.DefaultOptions()
	opts.Logger = log.With().Str("source", host.Kind).Logger()
	opts.Self = f.self
	if f.root != "" {
		opts.Root, opts.DockerAPI = f.root, false
	}
	c, err := host.New(opts)
	if err != nil {
		if f.root != "" {
			return nil, usageErr("--root %s: %v", f.root, err)
		}
		return nil, usageErr("host: %v", err)
	}
	return c, nil
}
