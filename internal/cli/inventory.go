package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/compose"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/collect/inspectfile"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirt"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirtxml"
	"github.com/isoaudit/isoaudit/pkg/collect/vbox"
	"github.com/isoaudit/isoaudit/pkg/collect/vmx"
	"github.com/isoaudit/isoaudit/pkg/inventory"
)

// inventoryCollectors turns every endpoint of the --inventory file into a
// collector bounded by the endpoint's timeout; at most inv.Parallel
// endpoints are collected at once. An endpoint whose file cannot be read
// is a failed source in the report (exit 3), never a lost report.
func inventoryCollectors(f *scanFlags, inv *inventory.Inventory, log zerolog.Logger) ([]collect.Collector, error) {
	sem := make(chan struct{}, inv.Parallel)
	out := make([]collect.Collector, 0, len(inv.Endpoints))
	for _, e := range inv.Endpoints {
		c, err := endpointCollector(f, e, log.With().Str("endpoint", e.Name).Logger())
		if err != nil {
			var exit *ExitError
			if errors.As(err, &exit) {
				return nil, err
			}
			kind, value := e.Source()
			c = &failedSource{kind: sourceKind(kind), endpoint: value, err: err}
		}
		out = append(out, &boundedSource{Collector: c, name: e.Name, timeout: e.Timeout, sem: sem})
	}
	return out, nil
}

// endpointCollector builds the collector of one endpoint. A Docker or
// libvirt endpoint is not contacted here; a file source (and a TLS
// certificate) is read now, and its error becomes the endpoint's.
func endpointCollector(f *scanFlags, e inventory.Endpoint, log zerolog.Logger) (collect.Collector, error) {
	switch {
	case e.Docker != "":
		opts := docker.DefaultOptions()
		opts.Host, opts.All, opts.Concurrency, opts.RequestTimeout = e.Docker, e.All || f.all, f.concurrency, f.reqTimeout
		opts.CertPath, opts.Logger = e.CertPath, log
		return docker.New(opts) // unreadable TLS files cost this endpoint only
	case e.Libvirt != "":
		opts := libvirt.DefaultOptions()
		opts.URI, opts.QEMUConfPath, opts.Logger = e.Libvirt, e.QEMUConf, log
		opts.Concurrency, opts.RequestTimeout = f.concurrency, f.reqTimeout
		opts.TLSCA, opts.TLSCert, opts.TLSKey = e.LibvirtTLSCA, e.LibvirtTLSCert, e.LibvirtTLSKey
		if e.LibvirtSocket != "" {
			opts.Socket = e.LibvirtSocket
		}
		if err := opts.Validate(); err != nil { // a wrong URI is the inventory's fault: exit 2
			return nil, usageErr("--inventory %s: endpoint %s: %v", f.inventory, e.Name, err)
		}
		c, err := libvirt.New(opts)
		if err == nil && opts.QEMUConfPath == "" && c.Local() && readable(libvirt.DefaultQEMUConf) {
			opts.QEMUConfPath = libvirt.DefaultQEMUConf // local socket, local driver configuration (as --libvirt-uri)
			c, err = libvirt.New(opts)
		}
		return c, err
	case e.Inspect != "":
		return inspectfile.New(inspectfile.Options{Path: e.Inspect})
	case e.Compose != "":
		opts := compose.DefaultOptions()
		opts.Path, opts.Logger = e.Compose, log
		return compose.New(opts)
	case e.LibvirtXML != "":
		opts := libvirtxml.DefaultOptions()
		opts.Path, opts.QEMUConfPath, opts.Logger = e.LibvirtXML, e.QEMUConf, log
		return libvirtxml.New(opts)
	case e.VMX != "":
		opts := vmx.DefaultOptions()
		opts.Path, opts.Logger = e.VMX, log
		return vmx.New(opts)
	case e.VBox != "":
		opts := vbox.DefaultOptions()
		opts.Path, opts.Logger = e.VBox, log
		return vbox.New(opts)
	}
	return nil, usageErr("--inventory %s: endpoint %s has no source", f.inventory, e.Name)
}

// sourceKind maps an inventory key to the report's source kind.
func sourceKind(key string) string {
	switch key {
	case "docker":
		return docker.Kind
	case "libvirt":
		return libvirt.Kind
	case "inspect":
		return inspectfile.Kind
	case "compose":
		return compose.Kind
	case "libvirt_xml":
		return libvirtxml.Kind
	case "vmx":
		return vmx.Kind
	case "vbox":
		return vbox.Kind
	}
	return key
}

// inventoryKinds are the asset kinds the inventory's endpoints produce:
// containers, VMs, and the libvirt host asset (qemu.conf).
func inventoryKinds(inv *inventory.Inventory) (containers, vms, hosts bool) {
	for _, e := range inv.Endpoints {
		switch kind, _ := e.Source(); kind {
		case "docker", "inspect", "compose":
			containers = true
		case "libvirt":
			vms, hosts = true, true
		case "libvirt_xml":
			vms = true
			hosts = hosts || e.QEMUConf != ""
		default:
			vms = true
		}
	}
	return containers, vms, hosts
}

// boundedSource runs a collector under its endpoint's timeout, waiting
// for one of the inventory's parallel slots first (the wait does not
// count against the timeout).
type boundedSource struct {
	collect.Collector
	name    string
	timeout time.Duration
	sem     chan struct{}
}

func (b *boundedSource) Collect(ctx context.Context) (*collect.Batch, error) {
	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-ctx.Done():
		return nil, fmt.Errorf("endpoint %s: not started: %w", b.name, ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	batch, err := b.Collector.Collect(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("endpoint %s: no complete answer within %s: %w", b.name, b.timeout, err)
	}
	return batch, err
}

// Close releases the wrapped collector's connections.
func (b *boundedSource) Close() error {
	if c, ok := b.Collector.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// failedSource is an endpoint that could not be set up (its file is
// missing or broken): it reports the error as a failed source.
type failedSource struct {
	kind, endpoint string
	err            error
}

func (s *failedSource) Kind() string     { return s.kind }
func (s *failedSource) Endpoint() string { return s.endpoint }
func (s *failedSource) Collect(context.Context) (*collect.Batch, error) {
	return &collect.Batch{Assets: []audit.Asset{}}, s.err
}
