package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/isoaudit/isoaudit/internal/version"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/baseline"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/inventory"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/scan"
)

type scanFlags struct {
	dockerHosts    []string
	all            bool
	inspectFiles   []string
	libvirtXML     []string
	libvirtSecure  bool
	libvirtURI     string
	libvirtTLSCA   string
	libvirtTLSCert string
	libvirtTLSKey  string
	vmxFiles       []string
	vboxFiles      []string
	qemuConf       string
	hvVersions     []string
	checksDirs     []string
	outputs        []string
	color          string
	showPassed     bool
	failOn         string
	maxRisk        float64
	timeout        time.Duration
	reqTimeout     time.Duration
	concurrency    int
	send           sendFlags
	waivers        string
	baseline       string
	failOnNew      bool
	composeFiles   []string
	policy         string
	inventory      string
	inv            *inventory.Inventory // loaded from --inventory
	noHost         bool
	root           string
	self           bool
	imageScan      string
	trivyDB        string
	offline        bool
}

func newScanCmd(g *globalFlags, s Streams) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Audit containers and VMs for escape risk",
		Long: "Audit containers and virtual machines for escape risk.\n\n" +
			"With no source flags, scan audits what it can reach locally: the Docker daemon named by DOCKER_HOST,\n" +
			"or the default Docker, rootless Docker and Podman sockets, and the local libvirtd (read-only socket),\n" +
			"and says which it skipped.",
		Example: "  isoaudit scan\n" +
			"  isoaudit scan --all -o table -o json=report.json\n" +
			"  isoaudit scan --docker-host ssh://ops@node7 --fail-on high\n" +
			"  docker inspect $(docker ps -aq) | isoaudit scan --inspect - -o json\n" +
			"  isoaudit scan --libvirt-xml /etc/libvirt/qemu --qemu-conf /etc/libvirt/qemu.conf",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runScan(cmd.Context(), g, f, s) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.dockerHosts, "docker-host", nil, "Docker or Podman API endpoint: unix://, tcp:// (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), ssh://user@host (repeatable)")
	fl.BoolVar(&f.all, "all", false, "also audit created and exited containers, not only running ones")
	fl.StringArrayVar(&f.inspectFiles, "inspect", nil, "audit the JSON printed by `docker inspect` in FILE ('-' for stdin) instead of a live daemon (repeatable)")
	fl.StringArrayVar(&f.libvirtXML, "libvirt-xml", nil, "audit libvirt domain XML: a file, or a directory of *.xml files (repeatable)")
	fl.StringVar(&f.libvirtURI, "libvirt-uri", "", "audit a libvirtd's running and defined domains: qemu:///system (the local read-only socket), qemu+unix:///system?socket=PATH, qemu+tcp://HOST[:16509]/system, qemu+tls://HOST[:16514]/system")
	fl.StringVar(&f.libvirtTLSCA, "libvirt-tls-ca", "", "CA certificate verifying a qemu+tls server (default /etc/pki/CA/cacert.pem)")
	fl.StringVar(&f.libvirtTLSCert, "libvirt-tls-cert", "", "client certificate for qemu+tls (default /etc/pki/libvirt/clientcert.pem)")
	fl.StringVar(&f.libvirtTLSKey, "libvirt-tls-key", "", "client key for qemu+tls (default /etc/pki/libvirt/private/clientkey.pem)")
	fl.StringArrayVar(&f.vmxFiles, "vmx", nil, "audit VMware .vmx files: a file, or a directory walked for *.vmx (repeatable)")
	fl.StringArrayVar(&f.vboxFiles, "vbox", nil, "audit VirtualBox .vbox settings: a file, or a directory walked for *.vbox (repeatable)")
	fl.BoolVar(&f.libvirtSecure, "libvirt-xml-secure", false, "the --libvirt-xml files were dumped with secrets (virsh dumpxml --security-info): a missing console password means none, not unknown")
	fl.StringVar(&f.qemuConf, "qemu-conf", "", "the host's qemu.conf, applied to the --libvirt-xml domains (console listen and security defaults)")
	fl.StringArrayVar(&f.hvVersions, "hypervisor-version", nil, "PRODUCT=VERSION of the hypervisor running the offline VMs whose files do not say (no vmware.log / Logs/VBox.log beside them), for the CVE-* advisory checks: qemu, vmware-workstation, vmware-fusion, vmware-esxi (8.0.BUILD), virtualbox (repeatable, one per platform)")
	fl.StringArrayVar(&f.checksDirs, "checks-dir", nil, "also load the checks in this directory (repeatable)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "output FORMAT[=FILE]: table, json, sarif, ocsf, junit, cef, syslog, prometheus (repeatable; default table on stdout; files are written 0600)")
	fl.StringVar(&f.color, "color", "auto", "colour the table: auto (when stdout is a terminal), always, never")
	fl.BoolVar(&f.showPassed, "show-passed", false, "table: also list passed findings (JSON always has every finding)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 1 if any failed finding has this severity or higher: info, low, medium, high, critical")
	fl.Float64Var(&f.maxRisk, "max-risk", -1, "exit 1 if any asset's risk exceeds N (0-100)")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up on sources still unread after this long (results so far are kept)")
	fl.DurationVar(&f.reqTimeout, "request-timeout", 30*time.Second, "bound each API request")
	fl.IntVar(&f.concurrency, "concurrency", 16, "API requests in flight per daemon")
	f.send.register(fl)
	fl.StringArrayVar(&f.composeFiles, "compose", nil, "audit the services of a Compose file before anything runs (repeatable; interpolation reads the environment and .env)")
	fl.StringVar(&f.inventory, "inventory", "", "audit every endpoint listed in this YAML FILE (Docker hosts over a socket, TCP+TLS or ssh, libvirt, files), concurrently, each with its own timeout")
	fl.StringVar(&f.policy, "policy", "", "policy: a built-in name (default, strict, cis-docker-1.6) or a YAML FILE selecting checks, severities, weights and the gate")
	fl.StringVar(&f.waivers, "waivers", "", "waiver FILE (YAML): failures it covers are reported as waived until each entry expires")
	fl.StringVar(&f.baseline, "baseline", "", "an older JSON report: mark each failure new or unchanged and list the resolved ones")
	fl.BoolVar(&f.failOnNew, "fail-on-new", false, "with --baseline: exit 1 only for new failures (at or above --fail-on when given)")
	fl.BoolVar(&f.noHost, "no-host", false, "do not audit the machine isoaudit runs on (by default every scan of a local source also audits it as a host asset)")
	fl.StringVar(&f.root, "root", "", "audit the mounted root filesystem in DIR (an image or offline disk) as a host asset, instead of the running machine")
	fl.BoolVar(&f.self, "self", false, "audit only this machine, including what this process can do (capabilities, seccomp, AppArmor, sockets, writable kernel files): run it inside a container")
	fl.StringVar(&f.imageScan, "image-scan", "auto", "scan container images with trivy: auto (when a trivy DB is on disk; never downloads), on (download or update the DB unless --offline), off")
	fl.StringVar(&f.trivyDB, "trivy-db", "", "directory holding trivy.db and metadata.json (default: trivy's cache, $TRIVY_CACHE_DIR or ~/.cache/trivy, /db)")
	fl.BoolVar(&f.offline, "offline", false, "never use the network for the image scan (no DB download or update)")
	return cmd
}

func runScan(ctx context.Context, g *globalFlags, f *scanFlags, s Streams) error {
	log, err := g.logger(s.Err)
	if err != nil {
		return err
	}
	profile, chosen, err := f.loadPolicy()
	if err != nil {
		return err
	}
	gate, err := f.gateOver(profile.DefaultGate())
	if err != nil {
		return err
	}
	color, err := f.useColor(s)
	if err != nil {
		return err
	}
	if f.self && (f.root != "" || f.noHost || !f.noSourcesBesidesHost()) {
		return usageErr("--self audits only this machine: it cannot be combined with --root, --no-host or another source")
	}
	if f.root != "" && f.noHost {
		return usageErr("--root audits a root filesystem as a host asset; --no-host turns host auditing off")
	}
	if f.concurrency < 1 || f.timeout <= 0 || f.reqTimeout <= 0 {
		return usageErr("--concurrency, --timeout and --request-timeout must be positive")
	}
	// Loading and compiling the catalog runs while the collectors wait on
	// the network; a broken --checks-dir still ends the scan with exit 2.
	compile := func() (*engine.Engine, error) {
		start := time.Now()
		cat, err := loadCatalog(f.checksDirs, f.kinds()...)
		if err != nil {
			return nil, err
		}
		eng, err := newEngine(cat, f.kinds()...)
		log.Debug().Int("checks", len(cat.Checks)).Dur("took", time.Since(start)).Err(err).Msg("catalog compiled")
		return eng, err
	}
	hypervisors, err := hvversion.ParseAssumptions(f.hvVersions)
	if err != nil {
		return usageErr("%s", err)
	}
	sendTo, sendOpts, err := f.send.prepare(log)
	if err != nil {
		return err
	}
	waivers, base, err := f.workflowInputs()
	if err != nil {
		return err
	}
	collectors, skipped, err := buildCollectors(f, s, log)
	if err != nil {
		return err
	}
	images, err := f.imageScanner(log)
	if err != nil {
		return err
	}
	if images != nil {
		defer images.Close()
	}
	outs, err := parseOutputs(f.outputs, color, f.showPassed)
	if err != nil {
		return err
	}
	written := false
	defer func() {
		if !written { // the scan failed before any report: leave no empty files behind
			discardOutputs(outs)
		}
	}()

	start := time.Now()
	var onProgress func(int, int, string, bool)
	var prog *progress
	if isTerminal(s.Err) && g.logFormat == "console" {
		prog = newProgress(s.Err, len(collectors))
		onProgress = prog.update
		defer prog.finish()
	}
	rep, err := scan.Run(ctx, scan.Config{
		Collectors: collectors, Skipped: skipped, Compile: compile, Weights: profile.ScoreWeights(), Gate: gate,
		Hypervisors: hypervisors,
		Waivers:     waivers, Baseline: base, Policy: chosen, Progress: onProgress,
		Tool: audit.Tool{Name: "isoaudit", Version: version.String()}, Logger: log, Timeout: f.timeout,
		Trust: &profile.Trust, Images: imageScannerOrNil(images),
	})
	if prog != nil {
		prog.finish() // erase the line before any report or error is printed
	}
	if err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			return err
		}
		return inputErr(err)
	}
	log.Info().Int("assets", len(rep.Assets)).Int("findings", rep.Findings.Len()).
		Dur("took", time.Since(start)).Msg("scan finished")
	start = time.Now()
	written = true
	if err := writeOutputs(outs, s.Out, rep); err != nil {
		return inputErr(err)
	}
	log.Debug().Dur("took", time.Since(start)).Msg("reports written")
	return deliver(context.WithoutCancel(ctx), sendTo, sendOpts, rep, outcome(rep))
}

// outcome maps a written report to the exit code: the gate first, then
// completeness.
func outcome(r *audit.Report) error {
	if g := r.Summary.Gate; g != nil && g.Result == "fail" {
		return &ExitError{Code: ExitGate}
	}
	ok := 0
	for _, src := range r.Sources {
		if src.Status == audit.SourceOK {
			ok++
		}
	}
	if ok == 0 {
		return &ExitError{Code: ExitIncomplete, Err: errors.New("nothing audited: no source could be read (see the sources in the report)")}
	}
	if r.Incomplete() {
		return &ExitError{Code: ExitIncomplete, Err: fmt.Errorf("scan incomplete: %d problem(s), first: %s", len(r.Errors), r.Errors[0].Message)}
	}
	return nil
}

// kinds are the asset kinds the sources can produce: only their checks
// are compiled. No source flag means discovery, which finds engines.
func (f *scanFlags) kinds() []audit.Kind {
	var kinds []audit.Kind
	vms := len(f.libvirtXML) + len(f.vmxFiles) + len(f.vboxFiles)
	if f.libvirtURI != "" {
		vms++
	}
	discovery := f.noSources()
	var invContainers, invVMs, invHosts bool
	if f.inv != nil {
		invContainers, invVMs, invHosts = inventoryKinds(f.inv)
	}
	if len(f.dockerHosts) > 0 || len(f.inspectFiles) > 0 || len(f.composeFiles) > 0 || discovery || invContainers {
		kinds = append(kinds, audit.KindContainer)
	}
	if vms > 0 || discovery || invVMs {
		kinds = append(kinds, audit.KindVM)
	}
	if f.libvirtURI != "" || (len(f.libvirtXML) > 0 && f.qemuConf != "") || discovery || invHosts || f.auditsHost() {
		// the libvirt host asset (qemu.conf) and the machine itself
		kinds = append(kinds, audit.KindHost)
	}
	return kinds
}

// noSources reports whether no source flag was given: scan then discovers
// the local engines and libvirtd.
func (f *scanFlags) noSources() bool {
	return len(f.dockerHosts)+len(f.inspectFiles)+len(f.libvirtXML)+len(f.vmxFiles)+len(f.vboxFiles)+len(f.composeFiles) == 0 && f.libvirtURI == "" && f.inventory == "" &&
		f.root == "" && !f.self
}

// gateOver applies the gate flags over a policy's gate: a flag that is
// given wins; fail_on_new applies only with --baseline.
func (f *scanFlags) gateOver(g policy.Gate) (policy.Gate, error) {
	if f.maxRisk != -1 {
		g.MaxRisk = f.maxRisk
	}
	if f.baseline == "" {
		g.FailOnNew = false
	}
	if f.failOn != "" {
		sev, err := audit.ParseSeverity(f.failOn)
		if err != nil {
			return g, usageErr("invalid --fail-on: %v", err)
		}
		g.FailOn = &sev
	}
	if f.failOnNew {
		if f.baseline == "" {
			return g, usageErr("--fail-on-new needs --baseline OLD.json")
		}
		g.FailOnNew = true
	}
	if f.maxRisk < -1 || f.maxRisk > 100 || (f.maxRisk < 0 && f.maxRisk != -1) {
		return g, usageErr("invalid --max-risk %v: must be between 0 and 100", f.maxRisk)
	}
	return g, nil
}

func (f *scanFlags) useColor(s Streams) (bool, error) {
	switch f.color {
	case "auto":
		return isTerminal(s.Out), nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, usageErr("invalid --color %q (supported: auto, always, never)", f.color)
}

// workflowInputs reads the --waivers and --baseline files; either being
// unreadable or invalid is an input error (exit 2) before anything is
// scanned.
func (f *scanFlags) workflowInputs() (*policy.Waivers, *baseline.Baseline, error) {
	var w *policy.Waivers
	var b *baseline.Baseline
	var err error
	if f.waivers != "" {
		if w, err = policy.LoadWaivers(f.waivers); err != nil {
			return nil, nil, inputErr(fmt.Errorf("--waivers: %w", err))
		}
	}
	if f.inventory != "" {
		if f.inv, err = inventory.Load(f.inventory); err != nil {
			return nil, nil, inputErr(fmt.Errorf("--inventory: %w", err))
		}
	}
	if f.baseline != "" {
		if b, err = baseline.Load(f.baseline); err != nil {
			return nil, nil, inputErr(fmt.Errorf("--baseline: %w", err))
		}
	}
	return w, b, nil
}

// loadPolicy returns the scoring profile and, when --policy was given, the
// policy to apply (nil otherwise: every check at its own severity). A
// policy file's check ids are validated against the whole catalog, the
// --checks-dir checks included.
func (f *scanFlags) loadPolicy() (*policy.Profile, *policy.Profile, error) {
	if f.policy == "" {
		p, err := policy.BuiltinProfile("default")
		return p, nil, err
	}
	known, all, err := catalogIDs(f.checksDirs)
	if err != nil {
		return nil, nil, err
	}
	p, err := policy.LoadPolicy(f.policy, known, all...)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("--policy: %w", err))
	}
	return p, p, nil
}
