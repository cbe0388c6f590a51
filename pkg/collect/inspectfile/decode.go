package inspectfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unicode/utf8"

	"github.com/moby/moby/api/types/container"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
)

// utf8BOM is skipped at the start of the input (editors on Windows add it).
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// element is one container document of the input, normalized: the raw
// inspect structure is dropped as soon as its document is built, so a
// large input is never held twice.
type element struct {
	n      *audit.Container
	labels map[string]string
}

// decodeDocuments decodes an array of container inspect documents or a
// single one, normalizing each. Errors carry the line and column of the
// problem; with several bad elements the first one is reported.
func decodeDocuments(data []byte) ([]element, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("empty input: want the JSON array that docker inspect prints")
	case trimmed[0] == '{':
		doc, err := decodeSingle(data)
		if err != nil {
			return nil, err
		}
		return []element{normalize(&doc)}, nil
	case trimmed[0] == '[':
		return decodeArray(data)
	}
	if err := syntaxError(data, nil); err != nil {
		return nil, err
	}
	lead := int64(len(data) - len(trimmed))
	return nil, fmt.Errorf("%s: want a JSON array of containers or one container object", position(data, lead+1))
}

func normalize(doc *container.InspectResponse) element {
	var labels map[string]string
	if doc.Config != nil {
		labels = doc.Config.Labels
	}
	n := docker.NormalizeContainer(*doc, nil, audit.Host{})
	if n.Name == "" {
		n.Name = shortID(n.ID)
	}
	return element{n: n, labels: labels}
}

// decodeSingle decodes an input holding one inspect object.
func decodeSingle(data []byte) (container.InspectResponse, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return container.InspectResponse{}, syntaxError(data, err)
	}
	start := dec.InputOffset() - int64(len(raw))
	if err := expectEOF(dec, data); err != nil {
		return container.InspectResponse{}, err
	}
	return decodeElement(data, raw, start, "the document")
}

// decodeArray decodes an input holding an array of inspect objects: one
// pass finds each element's bytes, then the elements are decoded and
// normalized concurrently (decoding is most of an offline scan).
func decodeArray(data []byte) ([]element, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the opening '['
		return nil, syntaxError(data, err)
	}
	var spans [][2]int64
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(data, err)
		}
		end := dec.InputOffset()
		spans = append(spans, [2]int64{end - int64(len(raw)), end})
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, syntaxError(data, err)
	}
	if err := expectEOF(dec, data); err != nil {
		return nil, err
	}
	out := make([]element, len(spans))
	errs := make([]error, len(spans))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				sp := spans[i]
				doc, err := decodeElement(data, data[sp[0]:sp[1]], sp[0], fmt.Sprintf("element %d", i+1))
				if err != nil {
					errs[i] = err
					continue
				}
				out[i] = normalize(&doc)
			}
		})
	}
	for i := range spans {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// expectEOF fails when anything but white space follows the top value.
func expectEOF(dec *json.Decoder, data []byte) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return syntaxError(data, fmt.Errorf("unexpected data after the top-level value"))
	}
	return nil
}

// decodeElement checks that raw is a container inspect document and
// decodes it; start is raw's offset in data, for error positions.
func decodeElement(data, raw []byte, start int64, what string) (container.InspectResponse, error) {
	var doc container.InspectResponse
	if !bytes.HasPrefix(raw, []byte("{")) {
		return doc, fmt.Errorf("%s is not a container (not a JSON object)", what)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return doc, fmt.Errorf("%s: %s: %w", position(data, start+te.Offset), what, err)
		}
		return doc, fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case doc.HostConfig == nil:
		return doc, fmt.Errorf("%s is not a container (no HostConfig)", what)
	case doc.ID == "":
		return doc, fmt.Errorf("%s is not a container (no Id)", what)
	}
	return doc, nil
}

// syntaxError returns the input's first syntax error at its line and
// column. The streaming decoder's offsets are not absolute, so the input
// is validated once more (only on this error path) to locate it.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if verr := json.Unmarshal(data, new(json.RawMessage)); errors.As(verr, &se) {
		return fmt.Errorf("%s: %w", position(data, se.Offset), se)
	}
	return err
}

// position renders the 1-based line and column of the byte that ends the
// first offset bytes of data (where the JSON decoder stopped).
func position(data []byte, offset int64) string {
	i := max(min(offset, int64(len(data)))-1, 0)
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col := utf8.RuneCount(before[lineStart:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}
