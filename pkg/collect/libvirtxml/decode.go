package libvirtxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	lvxml "libvirt.org/go/libvirtxml"
)

// libvirtSavedMarker starts the comment libvirt writes at the top of the
// domain files it saves itself (/etc/libvirt/qemu/*.xml and the status
// files under /run/libvirt/qemu), which always hold secrets.
const libvirtSavedMarker = "WARNING: THIS IS AN AUTO-GENERATED FILE."

// maxDepth bounds element nesting; domain XML nests less than ten deep,
// and a deeper document is refused before it costs memory.
const maxDepth = 128

// errNotDomain marks a well-formed XML file whose root is neither
// <domain> nor <domstatus>: a network, pool or capabilities document.
var errNotDomain = errors.New("not a libvirt domain")

// parsed is one decoded domain file.
type parsed struct {
	dom *lvxml.Domain
	// state is the run state from a <domstatus> file, "" otherwise.
	state string
	// secrets is true when the file holds passwords (a secure dump).
	secrets bool
	// passwd[i] tells whether the i-th <graphics> of the domain has a
	// passwd attribute and whether it is empty (libvirtxml cannot tell
	// an absent attribute from an empty one).
	passwd []passwdAttr
}

// passwdAttr records a passwd attribute without its value.
type passwdAttr struct {
	present, empty bool
}

// decodeDomain parses one domain XML document: a <domain> (virsh dumpxml,
// /etc/libvirt/qemu) or a <domstatus> wrapping one (/run/libvirt/qemu).
// Parsing is strict: entity references other than the five XML ones are
// errors, and DOCTYPE declarations are never expanded (encoding/xml has
// no DTD support), so entity tricks fail instead of expanding.
func decodeDomain(data []byte, secureXML bool) (*parsed, error) {
	p, err := probe(data)
	if err != nil {
		return nil, err
	}
	p.secrets = p.secrets || secureXML
	var dom lvxml.Domain
	if p.root == "domstatus" {
		var status struct {
			Domain *lvxml.Domain `xml:"domain"`
		}
		if err := strictDecoder(data).Decode(&status); err != nil {
			return nil, decodeError(err)
		}
		if status.Domain == nil {
			return nil, errors.New("<domstatus> holds no <domain>")
		}
		dom = *status.Domain
	} else if err := strictDecoder(data).Decode(&dom); err != nil {
		return nil, decodeError(err)
	}
	if strings.TrimSpace(dom.Name) == "" {
		return nil, errors.New("the domain has no <name>")
	}
	return &parsed{dom: &dom, state: p.state, secrets: p.secrets, passwd: p.passwd}, nil
}

// probeResult is what one pass over the tokens learns.
type probeResult struct {
	root    string
	state   string
	secrets bool
	passwd  []passwdAttr
}

// probe reads the whole document once: it finds syntax errors with their
// line, the root element, libvirt's own header comment, the domstatus
// state and which <graphics> elements carry a passwd attribute.
func probe(data []byte) (*probeResult, error) {
	dec := strictDecoder(data)
	r := &probeResult{}
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, decodeError(err)
		}
		switch t := tok.(type) {
		case xml.Comment:
			if r.root == "" && bytes.Contains(t, []byte(libvirtSavedMarker)) {
				r.secrets = true
			}
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("line %d: elements nested deeper than %d", line(dec, data), maxDepth)
			}
			if err := r.start(t, stack); err != nil {
				return nil, err
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if r.root == "" {
		return nil, errors.New("no XML element found")
	}
	return r, nil
}

// start records what one start element tells; stack holds its ancestors.
func (r *probeResult) start(t xml.StartElement, stack []string) error {
	if len(stack) == 0 {
		if r.root != "" {
			return errors.New("more than one root element")
		}
		r.root = t.Name.Local
		switch r.root {
		case "domain":
		case "domstatus":
			r.secrets = true // status files are saved with secrets
			r.state, _ = attr(t, "state")
		default:
			return fmt.Errorf("%w (root element <%s>)", errNotDomain, r.root)
		}
		return nil
	}
	n := len(stack)
	if t.Name.Local == "graphics" && n >= 2 && stack[n-1] == "devices" && stack[n-2] == "domain" {
		v, ok := attr(t, "passwd")
		r.passwd = append(r.passwd, passwdAttr{present: ok, empty: ok && v == ""})
	}
	return nil
}

func attr(t xml.StartElement, name string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// line is the 1-based line of the decoder's position.
func line(dec *xml.Decoder, data []byte) int {
	off := min(int(dec.InputOffset()), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// strictDecoder never expands entities beyond the predefined five and
// accepts UTF-8 (and ASCII) only, as libvirt writes.
func strictDecoder(data []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	return dec
}

// decodeError renders an XML error on one line, with its line number.
func decodeError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %s", se.Line, oneLine(se.Msg))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("unexpected end of file")
	}
	return errors.New(oneLine(err.Error()))
}

// oneLine joins a multi-line message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
