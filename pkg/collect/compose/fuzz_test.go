package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzLoad feeds arbitrary bytes as a Compose file: loading and
// collecting may fail, with one line, but never panic or hang. Each case
// is written to a fresh directory, since the loader reads paths.
func FuzzLoad(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/compose", ".yaml")
	f.Add([]byte("services:\n  a:\n    image: alpine\n    privileged: true\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n"))
	f.Add([]byte("include:\n  - other.yaml\nservices:\n  a:\n    extends:\n      file: base.yaml\n      service: b\n"))
	f.Add([]byte("x-a: &a {image: alpine}\nservices:\n  a: *a\n  b:\n    <<: *a\n    cap_add: [ALL]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		opts := DefaultOptions()
		opts.Path = path
		c, err := New(opts)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		b, err := c.Collect(context.Background())
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		for _, a := range b.Assets {
			if a.Container == nil || a.ID == "" {
				t.Fatalf("asset without a document or id: %+v", a)
			}
		}
	})
}
