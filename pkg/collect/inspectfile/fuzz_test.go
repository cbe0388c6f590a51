package inspectfile

import (
	"testing"

	"github.com/isoaudit/isoaudit/internal/fuzzseed"
)

// FuzzDecodeDocuments feeds arbitrary bytes to the inspect decoder and
// normalizes whatever it accepts, as the collector does: no input may
// panic, and errors stay one line.
func FuzzDecodeDocuments(f *testing.F) {
	fuzzseed.AddFiles(f, "../../../testdata/inspect", ".json")
	f.Add([]byte(`[{"Id":"x","Name":"/a","HostConfig":{"Privileged":true,"Binds":["/:/host"]}}]`))
	f.Add([]byte("\xEF\xBB\xBF{}"))
	c := &Collector{opts: Options{Path: "fuzz.json"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		elems, err := decodeDocuments(data)
		fuzzseed.OneLine(t, err)
		if err != nil {
			return
		}
		b := c.assets(elems)
		for _, a := range b.Assets {
			if a.Container == nil || a.ID == "" {
				t.Fatalf("asset without a document or id: %+v", a)
			}
		}
	})
}
