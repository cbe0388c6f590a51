package inspectfile

import (
	"bufio"
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

// decodeDocuments decodes an in-memory input (stdin, a pipe, a fuzz
// case); see decodeStream.
func decodeDocuments(data []byte) ([]element, error) {
	return decodeStream(bytes.NewReader(data), func() ([]byte, error) { return data, nil })
}

// decodeStream decodes an array of container inspect documents or a
// single one from r, normalizing each as soon as it is read: the input is
// never held whole (a fleet's dump is tens of megabytes). Errors carry
// the line and column of the problem, located in the whole input that
// again returns (read only on that path); with several bad elements the
// first one is reported.
func decodeStream(r io.Reader, again func() ([]byte, error)) ([]element, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	lead := int64(0)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		lead += int64(len(utf8BOM))
	}
	first, skipped, err := skipSpace(br)
	lead += skipped
	switch {
	case errors.Is(err, io.EOF):
		return nil, errors.New("empty input: want the JSON array that docker inspect prints")
	case err != nil:
		return nil, err
	case first == '{':
		return decodeSingle(json.NewDecoder(br), lead, again)
	case first == '[':
		return decodeArray(json.NewDecoder(br), lead, again)
	}
	data, err := again()
	if err != nil {
		return nil, err
	}
	if err := syntaxError(data, nil); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s: want a JSON array of containers or one container object", position(data, lead+1))
}

// skipSpace discards JSON white space and returns the next byte (left
// unread) and how many bytes were skipped.
func skipSpace(br *bufio.Reader) (byte, int64, error) {
	var n int64
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, n, err
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return b, n, br.UnreadByte()
		}
		n++
	}
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
func decodeSingle(dec *json.Decoder, lead int64, again func() ([]byte, error)) ([]element, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, locate(again, err)
	}
	start := lead + dec.InputOffset() - int64(len(raw))
	if err := expectEOF(dec, again); err != nil {
		return nil, err
	}
	doc, err := decodeElement(raw, start, "the document")
	if err != nil {
		return nil, locate(again, err)
	}
	return []element{normalize(&doc)}, nil
}

// decodeArray decodes an input holding an array of inspect objects: this
// goroutine cuts the stream into elements while the others decode and
// normalize them (decoding is most of an offline scan).
func decodeArray(dec *json.Decoder, lead int64, again func() ([]byte, error)) ([]element, error) {
	if _, err := dec.Token(); err != nil { // the opening '['
		return nil, locate(again, err)
	}
	type job struct {
		i     int
		raw   []byte
		start int64
	}
	type done struct {
		i   int
		el  element
		err error
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, 2*workers)
	var mu sync.Mutex
	var results []done
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []done
			for j := range jobs {
				doc, err := decodeElement(j.raw, j.start, fmt.Sprintf("element %d", j.i+1))
				d := done{i: j.i, err: err}
				if err == nil {
					d.el = normalize(&doc)
				}
				mine = append(mine, d)
			}
			mu.Lock()
			results = append(results, mine...)
			mu.Unlock()
		})
	}
	n, err := cut(dec, lead, func(i int, raw []byte, start int64) { jobs <- job{i, raw, start} })
	close(jobs)
	wg.Wait()
	if err == nil {
		if _, err = dec.Token(); err == nil { // the closing ']'
			err = expectEOF(dec, again)
		}
	}
	if err != nil {
		return nil, locate(again, err)
	}
	out := make([]element, n)
	var first *done
	for k := range results {
		d := &results[k]
		if d.err != nil && (first == nil || d.i < first.i) {
			first = d
		}
		out[d.i] = d.el
	}
	if first != nil {
		return nil, locate(again, first.err)
	}
	return out, nil
}

// cut reads the array's elements, handing each one's bytes and absolute
// offset to send, and returns how many it read.
func cut(dec *json.Decoder, lead int64, send func(i int, raw []byte, start int64)) (int, error) {
	n := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, err
		}
		send(n, raw, lead+dec.InputOffset()-int64(len(raw)))
		n++
	}
	return n, nil
}

// errTrailing is data after the top-level value.
var errTrailing = errors.New("unexpected data after the top-level value")

// expectEOF fails when anything but white space follows the top value.
func expectEOF(dec *json.Decoder, again func() ([]byte, error)) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return locate(again, errTrailing)
	}
	return nil
}

// typeError is a document whose field has the wrong type, at an offset
// of the input.
type typeError struct {
	offset int64
	what   string
	err    error
}

func (e *typeError) Error() string { return fmt.Sprintf("%s: %v", e.what, e.err) }
func (e *typeError) Unwrap() error { return e.err }

// decodeElement checks that raw is a container inspect document and
// decodes it; start is raw's offset in the input, for error positions.
func decodeElement(raw []byte, start int64, what string) (container.InspectResponse, error) {
	var doc container.InspectResponse
	if !bytes.HasPrefix(raw, []byte("{")) {
		return doc, fmt.Errorf("%s is not a container (not a JSON object)", what)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return doc, &typeError{offset: start + te.Offset, what: what, err: err}
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

// locate gives err the line and column where it happened, reading the
// whole input again to find them: a type error at its offset, anything
// else at the input's first syntax error (the streaming decoder's
// offsets are not absolute); an error in valid JSON (an element that is
// not a container) is returned as it is.
func locate(again func() ([]byte, error), err error) error {
	data, rerr := again()
	if rerr != nil {
		return err
	}
	if te := (*typeError)(nil); errors.As(err, &te) {
		return fmt.Errorf("%s: %s: %w", position(data, te.offset), te.what, te.err)
	}
	return syntaxError(data, err)
}

// syntaxError returns the input's first syntax error at its line and
// column, or err when the input is valid JSON.
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
