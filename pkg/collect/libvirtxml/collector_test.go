package libvirtxml

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func newCollector(t *testing.T, mutate func(*Options)) (*Collector, error) {
	t.Helper()
	o := DefaultOptions()
	mutate(&o)
	return New(o)
}

func collectVMs(t *testing.T, mutate func(*Options)) *Result {
	t.Helper()
	c, err := newCollector(t, mutate)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CollectVMs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	vms := 0
	for _, a := range res.Batch.Assets {
		if a.Kind == audit.KindVM {
			vms++
		}
	}
	if len(res.VMs) != vms {
		t.Fatalf("%d documents for %d VM assets", len(res.VMs), vms)
	}
	return res
}

func assetIDs(res *Result) []string {
	var ids []string
	for i, a := range res.Batch.Assets {
		if a.Kind == audit.KindVM && res.VMs[i].Name != a.Name {
			panic("documents out of step with assets")
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// TestCollectDirectoryWalk: one malformed file is an error naming it, the
// other domains still become assets; non-XML files are ignored, non-domain
// XML and repeated domains are noted, autostart links are read once.
func TestCollectDirectoryWalk(t *testing.T) {
	dir := filepath.Join(testdata, "walk")
	res := collectVMs(t, func(o *Options) { o.Path = dir })
	eq(t, "assets", assetIDs(res), []string{"libvirt://walk/cache", "libvirt://walk/db", "libvirt://walk/web"})
	for _, a := range res.Batch.Assets {
		if a.Kind != audit.KindVM || a.Platform != "libvirt" || a.Host.Known || !strings.HasPrefix(a.Source, dir) {
			t.Errorf("asset %+v", a)
		}
	}
	eq(t, "web comes from the real file", res.Batch.Assets[2].Source, filepath.Join(dir, "web.xml"))
	eq(t, "errors", res.Batch.Errors, []audit.ScanError{{Source: dir,
		Message: "parse " + filepath.Join(dir, "broken.xml") + ": line 5: element <graphics> closed by </devices>"}})
	eq(t, "notes", res.Batch.Notes, []string{
		filepath.Join(dir, "networks/default.xml") + ": skipped, not a libvirt domain (root element <network>)",
		filepath.Join(dir, "zz-duplicate-web.xml") + " repeats domain web of " + filepath.Join(dir, "web.xml") + "; skipped"})
	eq(t, "virt unknown without qemu.conf", res.Virt.Known, false)
	// Without qemu.conf the default VNC listen address is unknown.
	eq(t, "web console", res.VMs[2].RemoteConsoles[0].Exposure, "unknown")
}

func TestCollectFixturesDirectory(t *testing.T) {
	res := collectVMs(t, func(o *Options) {
		o.Path = filepath.Join(testdata, "domains")
		o.Host = "kvm-01"
		o.QEMUConfPath = filepath.Join(testdata, "qemu", "risky.conf")
	})
	if len(res.Batch.Assets) != 12 || len(res.VMs) != 11 || len(res.Batch.Errors) != 0 {
		t.Fatalf("assets %v errors %v", assetIDs(res), res.Batch.Errors)
	}
	eq(t, "first id", res.Batch.Assets[0].ID, "libvirt://kvm-01/cpu-passthrough")
	// With qemu.conf the hypervisor's settings are an asset of their own.
	h := res.Batch.Assets[11]
	eq(t, "host asset", []any{h.ID, h.Kind, h.Platform, h.Host.Hostname, h.Host.Virt.QEMUConf.UserIsRoot, h.VM == nil},
		[]any{"libvirt://kvm-01", audit.KindHost, audit.PlatformLibvirt, "kvm-01", true, true})
	eq(t, "virt", []any{res.Virt.Known, res.Virt.QEMUConf.Known, res.Virt.QEMUConf.Path, res.Virt.QEMUConf.UserIsRoot},
		[]any{true, true, filepath.Join(testdata, "qemu", "risky.conf"), true})
	eq(t, "qemu.conf notes", res.Batch.Notes, []string{filepath.Join(testdata, "qemu", "risky.conf") +
		": vnc_listen set again on line 30; libvirt uses line 2"})
	// qemu.conf defaults are folded into the documents.
	for _, vm := range res.VMs {
		if vm.Name == "readonly-dump" {
			eq(t, "default listen from qemu.conf", vm.RemoteConsoles[1].Exposure, "network")
		}
		if len(vm.Security.Labels) == 0 && vm.Security.Confined != "no" {
			t.Errorf("%s: security_driver none in qemu.conf, confined %q", vm.Name, vm.Security.Confined)
		}
	}
}

func TestCollectSingleFile(t *testing.T) {
	file := filepath.Join(testdata, "domains", "vnc-public-nopass.xml")
	c, err := newCollector(t, func(o *Options) { o.Path = file })
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "kind/endpoint", []string{c.Kind(), c.Endpoint()}, []string{"libvirt-xml", file})
	batch, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "id", batch.Assets[0].ID, "libvirt://vnc-public-nopass.xml/vnc-public")
	// Each call returns fresh values.
	res1, _ := c.CollectVMs(context.Background())
	res2, _ := c.CollectVMs(context.Background())
	res1.VMs[0].RemoteConsoles[0].Listen[0] = "changed"
	eq(t, "fresh", res2.VMs[0].RemoteConsoles[0].Listen[0], "0.0.0.0")
}

func TestSecureXMLOption(t *testing.T) {
	file := filepath.Join(testdata, "domains", "readonly-dump.xml")
	for _, tt := range []struct {
		secure bool
		want   string
	}{{false, "unknown"}, {true, "not_set"}} {
		res := collectVMs(t, func(o *Options) { o.Path, o.SecureXML = file, tt.secure })
		eq(t, "password", res.VMs[0].RemoteConsoles[0].Password, tt.want)
	}
}

func TestQEMUConfOnly(t *testing.T) {
	conf := filepath.Join(testdata, "qemu", "hardened.conf")
	c, err := newCollector(t, func(o *Options) { o.QEMUConfPath = conf })
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CollectVMs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "endpoint", c.Endpoint(), conf)
	if len(res.Batch.Assets) != 1 || res.Batch.Assets[0].Kind != audit.KindHost || !res.Batch.Assets[0].Host.Virt.QEMUConf.Known {
		t.Errorf("assets %+v, want only the qemu.conf host asset", res.Batch.Assets)
	}
	eq(t, "virt", []any{c.Virt().Known, c.Virt().QEMUConf.VNCTLS}, []any{true, true})
}

func TestCollectErrors(t *testing.T) {
	tmp := t.TempDir()
	allBroken := filepath.Join(tmp, "broken")
	writeFiles(t, allBroken, map[string]string{"a.xml": "<domain>", "b.xml": "not xml at all"})
	notDomain := filepath.Join(testdata, "walk", "networks", "default.xml")
	entities := filepath.Join(testdata, "entities")
	tests := []struct {
		name string
		opts func(*Options)
		want string
	}{
		{"nothing given", func(o *Options) {}, "no libvirt domain XML or qemu.conf given"},
		{"negative limit", func(o *Options) { o.Path, o.MaxBytes = tmp, -1 }, "invalid size limit -1: must not be negative"},
		{"missing path", func(o *Options) { o.Path = filepath.Join(tmp, "nope") },
			"read " + filepath.Join(tmp, "nope") + ": no such file or directory"},
		{"custom limit", func(o *Options) { o.Path, o.MaxBytes = filepath.Join(testdata, "walk", "db.xml"), 100 },
			"read " + filepath.Join(testdata, "walk", "db.xml") + ": file is larger than the 100 bytes limit"},
		{"a single non-domain file", func(o *Options) { o.Path = notDomain },
			"parse " + notDomain + ": not a libvirt domain (root element <network>)"},
		{"every file of a directory broken", func(o *Options) { o.Path = allBroken },
			"read " + allBroken + ": no domain could be read; 2 of 2 files failed, first: parse " +
				filepath.Join(allBroken, "a.xml") + ": line 1: unexpected EOF"},
		{"external entity", func(o *Options) { o.Path = filepath.Join(entities, "xxe-external.xml") },
			"parse " + filepath.Join(entities, "xxe-external.xml") + ": line 6: invalid character entity &xxe;"},
		{"billion laughs", func(o *Options) { o.Path = filepath.Join(entities, "billion-laughs.xml") },
			"parse " + filepath.Join(entities, "billion-laughs.xml") + ": line 16: invalid character entity &lol9;"},
		{"entity in an attribute", func(o *Options) { o.Path = filepath.Join(entities, "attribute-entity.xml") },
			"parse " + filepath.Join(entities, "attribute-entity.xml") + ": line 8: invalid character entity &addr;"},
		{"broken qemu.conf", func(o *Options) {
			o.QEMUConfPath = filepath.Join(allBroken, "a.xml")
		}, "parse " + filepath.Join(allBroken, "a.xml") + ": line 1: expecting a name"},
		{"missing qemu.conf", func(o *Options) { o.Path, o.QEMUConfPath = tmp, filepath.Join(tmp, "qemu.conf") },
			"read " + filepath.Join(tmp, "qemu.conf") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				_, err = newCollector(t, tt.opts)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("New blocked")
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
	if _, err := newCollector(t, func(o *Options) { o.Path = filepath.Join(tmp, "nope") }); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestDirectoryFileErrors: an oversized or unreadable file inside a
// directory is a batch error; the rest is still read.
func TestDirectoryFileErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(testdata, "walk", "db.xml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"db.xml": string(good), "big.xml": strings.Repeat(" ", 2048), "notes.md": "x"})
	if err := os.Symlink("missing.xml", filepath.Join(dir, "dangling.xml")); err != nil {
		t.Fatal(err)
	}
	res := collectVMs(t, func(o *Options) { o.Path, o.MaxBytes, o.Host = dir, 1024, "h" })
	eq(t, "assets", assetIDs(res), []string{"libvirt://h/db"})
	var msgs []string
	for _, e := range res.Batch.Errors {
		msgs = append(msgs, e.Message)
	}
	eq(t, "errors", msgs, []string{
		"read " + filepath.Join(dir, "dangling.xml") + ": no such file or directory",
		"read " + filepath.Join(dir, "big.xml") + ": file is larger than the 1024 bytes limit"})
}

func TestEmptyDirectory(t *testing.T) {
	res := collectVMs(t, func(o *Options) { o.Path = t.TempDir() })
	eq(t, "assets", len(res.Batch.Assets), 0)
	eq(t, "notes", res.Batch.Notes, []string{"no *.xml files found"})
}

// TestEntitiesAreNeverExpanded: a DOCTYPE that declares entities but does
// not use them parses, and nothing from the declared file appears.
func TestEntitiesAreNeverExpanded(t *testing.T) {
	res := collectVMs(t, func(o *Options) { o.Path = filepath.Join(testdata, "entities", "doctype-unused.xml") })
	eq(t, "name", res.VMs[0].Name, "doctype-unused")
	data, err := os.ReadFile(filepath.Join(testdata, "entities", "xxe-external.xml"))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.ReadFile("/etc/hostname")
	_, err = NormalizeXML(data, Context{})
	if err == nil || (len(strings.TrimSpace(string(host))) > 0 && strings.Contains(err.Error(), strings.TrimSpace(string(host)))) {
		t.Errorf("external entity: %v", err)
	}
}

func TestCollectHonoursCancel(t *testing.T) {
	c, err := newCollector(t, func(o *Options) { o.Path = filepath.Join(testdata, "walk", "db.xml") })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Collect on a cancelled context: %v", err)
	}
}

func TestDecodeDomainErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty", "", "no XML element found"},
		{"no name", "<domain type='kvm'><uuid>x</uuid></domain>", "the domain has no <name>"},
		{"two roots", "<domain><name>a</name></domain>\n<domain><name>b</name></domain>", "more than one root element"},
		{"domstatus without domain", "<domstatus state='running'/>", "<domstatus> holds no <domain>"},
		{"truncated", "<domain>\n<name>a</name>\n<devices>", "line 3: unexpected EOF"},
		{"non-UTF-8 encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><domain/>`,
			`xml: encoding "ISO-8859-1" declared but Decoder.CharsetReader is nil`},
		{"graphics without type", "<domain><name>a</name><devices><graphics/></devices></domain>",
			"Missing 'type' attribute on domain graphics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeDomain([]byte(tt.input), false)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files[n]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	doc := "<domain><name>deep</name><metadata>" + strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200) +
		"</metadata></domain>"
	_, err := decodeDomain([]byte(doc), false)
	if err == nil || err.Error() != "line 1: elements nested deeper than 128" {
		t.Errorf("error %v", err)
	}
}
