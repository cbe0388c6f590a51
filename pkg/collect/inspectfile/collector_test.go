package inspectfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
)

// testdata holds `docker inspect` output captured from Docker 20.10.24.
const testdata = "../../../testdata/docker/inspectfile"

// collectFile builds a collector and collects; an input error from New is
// returned as Collect's error would be.
func collectFile(t *testing.T, opts Options) (*collect.Batch, error) {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	return c.Collect(context.Background())
}

func fileOptions(name string) Options {
	o := DefaultOptions()
	o.Path = filepath.Join(testdata, name)
	return o
}

func assetNames(b *collect.Batch) []string {
	var names []string
	for _, a := range b.Assets {
		names = append(names, a.Name)
	}
	return names
}

func TestCollectGood(t *testing.T) {
	tests := []struct {
		name  string
		opts  func() Options
		base  string
		names []string
	}{
		{"array of many", func() Options { return fileOptions("many.json") }, "many.json",
			[]string{"isoaudit-fx-default", "isoaudit-fx-docker-sock-ro", "isoaudit-fx-env-secret", "isoaudit-fx-privileged"}},
		{"array of one", func() Options { return fileOptions("../inspect/pid-host.json") }, "pid-host.json",
			[]string{"isoaudit-fx-pid-host"}},
		{"single object", func() Options { return fileOptions("single-object.json") }, "single-object.json",
			[]string{"isoaudit-fx-default"}},
		{"empty array", func() Options { return fileOptions("empty.json") }, "empty.json", nil},
		{"stdin", func() Options {
			o := DefaultOptions()
			o.Path = StdinPath
			o.Stdin = bytes.NewReader(mustRead(t, "many.json"))
			return o
		}, "stdin", []string{"isoaudit-fx-default", "isoaudit-fx-docker-sock-ro", "isoaudit-fx-env-secret", "isoaudit-fx-privileged"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch, err := collectFile(t, tt.opts())
			if err != nil {
				t.Fatal(err)
			}
			if got := assetNames(batch); !slices.Equal(got, tt.names) {
				t.Fatalf("assets %v, want %v", got, tt.names)
			}
			for _, a := range batch.Assets {
				if a.ID != "inspect://"+tt.base+"/"+a.Name || a.Platform != "docker" || a.Kind != audit.KindContainer ||
					a.Host.Known || a.Container == nil || a.Source == "" {
					t.Errorf("asset %+v", a)
				}
			}
		})
	}
}

func TestCollectNormalizes(t *testing.T) {
	batch, err := collectFile(t, fileOptions("many.json"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]audit.Asset{}
	for _, a := range batch.Assets {
		byName[a.Name] = a
	}
	if p := byName["isoaudit-fx-privileged"].Container; !p.Privileged || p.Security.AppArmor != "unconfined" || p.Security.Seccomp != "unconfined" {
		t.Errorf("privileged: %+v", p.Security)
	}
	// No host facts offline: seccomp is what the container asked for.
	if d := byName["isoaudit-fx-default"].Container; d.Security.Seccomp != "default" || d.Runtime != "runc" {
		t.Errorf("default: seccomp %q runtime %q", d.Security.Seccomp, d.Runtime)
	}
	s := byName["isoaudit-fx-env-secret"]
	if s.Labels["db.password"] != "[redacted]" {
		t.Errorf("labels %v", s.Labels)
	}
	doc, _ := json.Marshal(struct {
		A audit.Asset
		C *audit.Container
	}{s, s.Container})
	if bytes.Contains(doc, []byte("hunter2")) || bytes.Contains(doc, []byte("labelsecret")) {
		t.Errorf("secret leaked: %s", doc)
	}
}

func TestCollectErrors(t *testing.T) {
	tests := []struct {
		name string
		opts func() Options
		want string
	}{
		{"malformed", func() Options { return fileOptions("malformed.json") },
			"parse " + filepath.Join(testdata, "malformed.json") + jsonErr(`: line 6, column 9: invalid character '"' after object key:value pair`,
				`: line 6, column 8: invalid character '"' after object key:value pair`)},
		{"not a container", func() Options { return fileOptions("not-a-container.json") },
			"parse " + filepath.Join(testdata, "not-a-container.json") + ": element 2 is not a container (no HostConfig)"},
		{"missing file", func() Options { return fileOptions("nope.json") },
			"read " + filepath.Join(testdata, "nope.json") + ": no such file or directory"},
		{"too large", func() Options {
			o := fileOptions("many.json")
			o.MaxBytes = 1 << 20
			o.Path = StdinPath
			o.Stdin = bytes.NewReader(make([]byte, 1<<20+1))
			return o
		}, "read stdin: input is larger than the 1 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch, err := collectFile(t, tt.opts())
			if err == nil || batch != nil {
				t.Fatalf("Collect = %v, %v; want error %q", batch, err, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestDecodeDocumentsErrors(t *testing.T) {
	container := `{"Id":"abc","Name":"/x","HostConfig":{}}`
	tests := []struct {
		name, input, want string
	}{
		{"empty", "  \n", "empty input: want the JSON array that docker inspect prints"},
		{"truncated", "[\n" + container + ",\n", "line 2, column 42: unexpected end of JSON input"},
		{"trailing data", "[" + container + "]\n]", jsonErr("line 2, column 1: invalid character ']' after top-level value",
			"line 1, column 43: invalid character ']' after top-level value")},
		{"not json", "hello", "line 1, column 1: invalid character 'h' looking for beginning of value"},
		{"scalar", "\n 42", "line 2, column 2: want a JSON array of containers or one container object"},
		{"no id", `[{"HostConfig":{}}]`, "element 1 is not a container (no Id)"},
		{"null element", `[` + container + `, null]`, "element 2 is not a container (not a JSON object)"},
		{"single object wrong type", "\n\n  " + `{"Id":"a","HostConfig":{"Privileged":1}}` + "\n\n",
			jsonErr(`line 3, column 40: the document: json: cannot unmarshal number into Go struct field HostConfig.HostConfig.Privileged of type bool`,
				`line 3, column 39: the document: json: cannot unmarshal number into Go struct field InspectResponse.HostConfig.Privileged of type bool`)},
		{"single object not a container", `{"Id":"sha256:1"}`, "the document is not a container (no HostConfig)"},
		{"wrong type", "[\n" + `{"Id":"a","HostConfig":{"Privileged":"yes"}}` + "]",
			jsonErr(`line 2, column 42: element 1: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Privileged of type bool`,
				`line 2, column 37: element 1: json: cannot unmarshal string into Go struct field InspectResponse.HostConfig.Privileged of type bool`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeDocuments([]byte(tt.input))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	if _, err := New(DefaultOptions()); err == nil || !strings.Contains(err.Error(), "no inspect file given") {
		t.Error("New without a path: want an error")
	}
	o := fileOptions("many.json")
	o.MaxBytes = -1
	if _, err := New(o); err == nil {
		t.Error("New with MaxBytes -1: want an error")
	}
	// A zero Options with a path works like DefaultOptions.
	if batch, err := collectFile(t, Options{Path: filepath.Join(testdata, "many.json")}); err != nil || len(batch.Assets) != 4 {
		t.Errorf("zero options: %v", err)
	}
	c, err := New(fileOptions("many.json"))
	if err != nil || c.Kind() != "inspect-file" || c.Endpoint() != filepath.Join(testdata, "many.json") {
		t.Errorf("New: %v, %v", c, err)
	}
}

func TestMissingFileIsNotExist(t *testing.T) {
	_, err := collectFile(t, fileOptions("nope.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCloseReleasesTheDocuments(t *testing.T) {
	c, err := New(fileOptions("many.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil || len(b.Assets) != 4 {
		t.Fatalf("collect: %v, %d assets", err, len(b.Assets))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.elems != nil {
		t.Error("Close kept the documents")
	}
	if _, err := c.Collect(context.Background()); err == nil || !strings.Contains(err.Error(), "collector closed") {
		t.Errorf("Collect after Close: %v", err)
	}
	if b.Assets[0].Container == nil {
		t.Error("Close took the document from an asset already collected")
	}
}
