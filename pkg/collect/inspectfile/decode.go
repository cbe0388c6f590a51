package inspectfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/moby/moby/api/types/container"
)

// utf8BOM is skipped at the start of the input (editors on Windows add it).
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeDocuments decodes an array of container inspect documents or a
// single one. Errors carry the line and column of the problem.
func decodeDocuments(data []byte) ([]container.InspectResponse, error) {
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
		return []container.InspectResponse{doc}, nil
	case trimmed[0] == '[':
		return decodeArray(data)
	}
	if err := syntaxError(data, nil); err != nil {
		return nil, err
	}
	lead := int64(len(data) - len(trimmed))
	return nil, fmt.Errorf("%s: want a JSON array of containers or one container object", position(data, lead+1))
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

// decodeArray decodes an input holding an array of inspect objects.
func decodeArray(data []byte) ([]container.InspectResponse, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the opening '['
		return nil, syntaxError(data, err)
	}
	var docs []container.InspectResponse
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(data, err)
		}
		start := dec.InputOffset() - int64(len(raw))
		doc, err := decodeElement(data, raw, start, fmt.Sprintf("element %d", len(docs)+1))
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, syntaxError(data, err)
	}
	return docs, expectEOF(dec, data)
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
	var probe struct {
		ID         string          `json:"Id"`
		HostConfig json.RawMessage `json:"HostConfig"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil || !bytes.HasPrefix(raw, []byte("{")) {
		return container.InspectResponse{}, fmt.Errorf("%s is not a container (not a JSON object)", what)
	}
	switch {
	case len(probe.HostConfig) == 0 || string(probe.HostConfig) == "null":
		return container.InspectResponse{}, fmt.Errorf("%s is not a container (no HostConfig)", what)
	case probe.ID == "":
		return container.InspectResponse{}, fmt.Errorf("%s is not a container (no Id)", what)
	}
	var doc container.InspectResponse
	if err := json.Unmarshal(raw, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return doc, fmt.Errorf("%s: %s: %w", position(data, start+te.Offset), what, err)
		}
		return doc, fmt.Errorf("%s: %w", what, err)
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
