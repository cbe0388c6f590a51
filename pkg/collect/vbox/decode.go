package vbox

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespace is the XML namespace of VirtualBox settings files.
const Namespace = "http://www.virtualbox.org/"

// maxDepth bounds element nesting; a .vbox nests about ten deep (deeper
// with nested snapshots and differencing disks), and a deeper document is
// refused before it costs memory.
const maxDepth = 256

// The settings file as far as the collector reads it. Element and
// attribute names match in any namespace (the probe has already checked
// the root's). Attributes with a schema default are pointers, so an
// absent attribute can be told from an empty one and the default applied.

type settingsFile struct {
	Version string   `xml:"version,attr"`
	Machine *machine `xml:"Machine"`
	// Encrypted is VirtualBox 7.0's full-VM encryption: the machine
	// settings are an encrypted blob that needs the VM password.
	Encrypted *struct{} `xml:"MachineEncrypted"`
}

type machine struct {
	Name               string              `xml:"name,attr"`
	UUID               string              `xml:"uuid,attr"`
	OSType             string              `xml:"OSType,attr"`
	ExecutionEngine    string              `xml:"executionEngine,attr"`
	MediaRegistry      *mediaRegistry      `xml:"MediaRegistry"`
	Teleporter         *teleporter         `xml:"Teleporter"`
	Hardware           *hardware           `xml:"Hardware"`
	Platform           *platform           `xml:"Platform"`
	StorageControllers []storageController `xml:"StorageControllers>StorageController"`
	ExtraData          []nameValue         `xml:"ExtraData>ExtraDataItem"`
}

type nameValue struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type enabledAttr struct {
	Enabled *string `xml:"enabled,attr"`
}

type teleporter struct {
	Enabled  *string `xml:"enabled,attr"`
	Port     *string `xml:"port,attr"`
	Address  *string `xml:"address,attr"`
	Password *string `xml:"password,attr"`
}

// platform is Machine/Platform, new in settings format 1.20 (VirtualBox
// 7.1): chipset, IOMMU and CPU moved here from Hardware; x86-specific CPU
// settings (PAE, nested virtualization) are under x86/CPU.
type platform struct {
	Architecture string    `xml:"architecture,attr"`
	Chipset      *typeAttr `xml:"Chipset"`
	Iommu        *typeAttr `xml:"Iommu"`
	CPU          *cpu      `xml:"CPU"`
	X86CPU       *cpu      `xml:"x86>CPU"`
}

type typeAttr struct {
	Type *string `xml:"type,attr"`
}

type cpu struct {
	Count          *string      `xml:"count,attr"`
	PAE            *enabledAttr `xml:"PAE"`
	NestedHWVirt   *enabledAttr `xml:"NestedHWVirt"`
	HardwareVirtEx *enabledAttr `xml:"HardwareVirtEx"`
	SpecCtrl       *enabledAttr `xml:"SpecCtrl"`
	SpecCtrlByHost *enabledAttr `xml:"SpecCtrlByHost"`
	IBPBOn         *onAttrs     `xml:"IBPBOn"`
	L1DFlushOn     *onAttrs     `xml:"L1DFlushOn"`
	MDSClearOn     *onAttrs     `xml:"MDSClearOn"`
}

type onAttrs struct {
	VMExit     *string `xml:"vmexit,attr"`
	VMEntry    *string `xml:"vmentry,attr"`
	Scheduling *string `xml:"scheduling,attr"`
}

type hardware struct {
	CPU                *cpu                `xml:"CPU"`
	Memory             *memory             `xml:"Memory"`
	Firmware           *typeAttr           `xml:"Firmware"`
	Chipset            *typeAttr           `xml:"Chipset"`
	Iommu              *typeAttr           `xml:"Iommu"`
	Paravirt           *paravirt           `xml:"Paravirt"`
	Display            *display            `xml:"Display"`
	RemoteDisplay      *remoteDisplay      `xml:"RemoteDisplay"`
	DVDDrive           *drive              `xml:"DVDDrive"`
	FloppyDrive        *drive              `xml:"FloppyDrive"`
	USBController      *legacyUSB          `xml:"USBController"`
	USB                *usb                `xml:"USB"`
	Adapters           []adapter           `xml:"Network>Adapter"`
	UART               []serialPort        `xml:"UART>Port"`
	LegacyUART         []serialPort        `xml:"Uart>Port"`
	LPT                []parallelPort      `xml:"LPT>Port"`
	LegacyLPT          []parallelPort      `xml:"Lpt>Port"`
	AudioAdapter       *audioAdapter       `xml:"AudioAdapter"`
	SharedFolders      []sharedFolder      `xml:"SharedFolders>SharedFolder"`
	Clipboard          *clipboard          `xml:"Clipboard"`
	DragAndDrop        *modeAttr           `xml:"DragAndDrop"`
	HostPCI            []hostPCIDevice     `xml:"HostPci>Devices>Device"`
	EmulatedUSB        *emulatedUSB        `xml:"EmulatedUSB"`
	GuestProperties    []nameValue         `xml:"GuestProperties>GuestProperty"`
	StorageControllers []storageController `xml:"StorageControllers>StorageController"`
}

type memory struct {
	PageFusion *string `xml:"PageFusion,attr"`
}

type paravirt struct {
	Provider string `xml:"provider,attr"`
}

type display struct {
	Controller      *string `xml:"controller,attr"`
	Accelerate3D    *string `xml:"accelerate3D,attr"`
	Accelerate3DOld *string `xml:"Accelerate3D,attr"` // before 1.5
}

type remoteDisplay struct {
	Enabled               *string     `xml:"enabled,attr"`
	Port                  *string     `xml:"port,attr"`       // deprecated
	NetAddress            *string     `xml:"netAddress,attr"` // pre-4.0 files
	AuthType              *string     `xml:"authType,attr"`
	AllowMultiConnection  *string     `xml:"allowMultiConnection,attr"`
	ReuseSingleConnection *string     `xml:"reuseSingleConnection,attr"`
	ExtPack               *string     `xml:"VRDEExtPack,attr"`
	Properties            []nameValue `xml:"VRDEProperties>Property"`
}

// drive is the pre-3.1 Hardware/DVDDrive and Hardware/FloppyDrive.
type drive struct {
	Enabled     *string    `xml:"enabled,attr"`
	Passthrough *string    `xml:"passthrough,attr"`
	Image       *uuidAttr  `xml:"Image"`
	HostDrive   *hostDrive `xml:"HostDrive"`
}

type uuidAttr struct {
	UUID string `xml:"uuid,attr"`
}

type hostDrive struct {
	Src string `xml:"src,attr"`
}

// legacyUSB is Hardware/USBController, before settings format 1.14.
type legacyUSB struct {
	Enabled     *string     `xml:"enabled,attr"`
	EnabledEHCI *string     `xml:"enabledEhci,attr"`
	Filters     []usbFilter `xml:"DeviceFilter"`
}

type usb struct {
	Controllers []usbController `xml:"Controllers>Controller"`
	Filters     []usbFilter     `xml:"DeviceFilters>DeviceFilter"`
}

type usbController struct {
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
}

type usbFilter struct {
	Name         string  `xml:"name,attr"`
	Active       *string `xml:"active,attr"`
	VendorID     string  `xml:"vendorId,attr"`
	ProductID    string  `xml:"productId,attr"`
	Revision     string  `xml:"revision,attr"`
	Manufacturer string  `xml:"manufacturer,attr"`
	Product      string  `xml:"product,attr"`
	SerialNumber string  `xml:"serialNumber,attr"`
	Port         string  `xml:"port,attr"`
}

type adapter struct {
	Slot          string      `xml:"slot,attr"`
	Enabled       *string     `xml:"enabled,attr"`
	Type          *string     `xml:"type,attr"`
	Promiscuous   *string     `xml:"promiscuousModePolicy,attr"`
	NAT           *nat        `xml:"NAT"`
	NATNetwork    *nameAttr   `xml:"NATNetwork"`
	Bridged       *nameAttr   `xml:"BridgedInterface"`
	HostInterface *nameAttr   `xml:"HostInterface"`
	Internal      *nameAttr   `xml:"InternalNetwork"`
	HostOnly      *nameAttr   `xml:"HostOnlyInterface"`
	HostOnlyNet   *nameAttr   `xml:"HostOnlyNetwork"`
	Cloud         *nameAttr   `xml:"CloudNetwork"`
	Generic       *genericNIC `xml:"GenericInterface"`
}

type nameAttr struct {
	Name string `xml:"name,attr"`
}

type genericNIC struct {
	Driver string `xml:"driver,attr"`
}

type nat struct {
	LocalhostReachable *string         `xml:"localhost-reachable,attr"`
	Forwarding         []natForwarding `xml:"Forwarding"`
}

type natForwarding struct {
	Name      string  `xml:"name,attr"`
	Proto     string  `xml:"proto,attr"`
	HostIP    *string `xml:"hostip,attr"`
	HostPort  string  `xml:"hostport,attr"`
	GuestIP   string  `xml:"guestip,attr"`
	GuestPort string  `xml:"guestport,attr"`
}

type serialPort struct {
	Slot     string  `xml:"slot,attr"`
	Enabled  *string `xml:"enabled,attr"`
	HostMode string  `xml:"hostMode,attr"`
	Path     string  `xml:"path,attr"`
	Server   *string `xml:"server,attr"`
	UARTType string  `xml:"uartType,attr"`
}

type parallelPort struct {
	Slot    string  `xml:"slot,attr"`
	Enabled *string `xml:"enabled,attr"`
	Path    string  `xml:"path,attr"`
}

type audioAdapter struct {
	Enabled    *string `xml:"enabled,attr"`
	EnabledIn  *string `xml:"enabledIn,attr"`
	EnabledOut *string `xml:"enabledOut,attr"`
	Controller *string `xml:"controller,attr"`
	Driver     string  `xml:"driver,attr"`
}

type sharedFolder struct {
	Name           string  `xml:"name,attr"`
	HostPath       string  `xml:"hostPath,attr"`
	Writable       *string `xml:"writable,attr"`
	AutoMount      *string `xml:"autoMount,attr"`
	AutoMountPoint *string `xml:"autoMountPoint,attr"`
	SymlinkPolicy  *string `xml:"symlinkPolicy,attr"`
}

type clipboard struct {
	Mode          *string `xml:"mode,attr"`
	FileTransfers *string `xml:"fileTransfersEnabled,attr"`
}

type modeAttr struct {
	Mode *string `xml:"mode,attr"`
}

type hostPCIDevice struct {
	Host  string `xml:"host,attr"`
	Guest string `xml:"guest,attr"`
	Name  string `xml:"name,attr"`
}

type emulatedUSB struct {
	Webcam     *enabledAttr `xml:"Webcam"`
	CardReader *enabledAttr `xml:"CardReader"`
}

type storageController struct {
	Name    string           `xml:"name,attr"`
	Type    string           `xml:"type,attr"`
	Devices []attachedDevice `xml:"AttachedDevice"`
}

type attachedDevice struct {
	Type        string     `xml:"type,attr"`
	Port        string     `xml:"port,attr"`
	Device      string     `xml:"device,attr"`
	Passthrough *string    `xml:"passthrough,attr"`
	Image       *uuidAttr  `xml:"Image"`
	HostDrive   *hostDrive `xml:"HostDrive"`
}

type mediaRegistry struct {
	HardDisks    []medium `xml:"HardDisks>HardDisk"`
	DVDImages    []medium `xml:"DVDImages>Image"`
	FloppyImages []medium `xml:"FloppyImages>Image"`
}

// medium is a registered image; differencing disks nest in their parent.
type medium struct {
	UUID     string   `xml:"uuid,attr"`
	Location string   `xml:"location,attr"`
	Type     string   `xml:"type,attr"`
	Children []medium `xml:"HardDisk"`
}

// errNotMachine marks well-formed XML that is not a VirtualBox machine
// settings file.
var errNotMachine = errors.New("not a VirtualBox machine settings file")

// decode parses one .vbox document. Parsing is strict: entity references
// other than the five XML ones are errors, DOCTYPE declarations are never
// expanded (encoding/xml has no DTD support), nesting deeper than
// maxDepth is refused, and only UTF-8 (as VirtualBox writes) is read.
// Errors are one line, with the line number where the parser knows it.
func decode(data []byte) (*settingsFile, error) {
	if err := probe(data); err != nil {
		return nil, err
	}
	var f settingsFile
	if err := strictDecoder(data).Decode(&f); err != nil {
		return nil, decodeError(err)
	}
	if f.Machine == nil && f.Encrypted != nil {
		return nil, errors.New("the machine settings are encrypted (<MachineEncrypted>) and cannot be read offline")
	}
	if f.Machine == nil {
		return nil, fmt.Errorf("%w: <VirtualBox> holds no <Machine>", errNotMachine)
	}
	if strings.TrimSpace(f.Machine.Name) == "" {
		return nil, errors.New("the machine has no name attribute")
	}
	return &f, nil
}

// probe reads the whole document once, before it is decoded into
// structures: it finds syntax errors with their line, refuses deep
// nesting, and checks the root element and its namespace.
func probe(data []byte) error {
	dec := strictDecoder(data)
	depth := 0
	root := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return decodeError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth >= maxDepth {
				return fmt.Errorf("line %d: elements nested deeper than %d", line(dec, data), maxDepth)
			}
			if depth == 0 {
				if root {
					return errors.New("more than one root element")
				}
				root = true
				if t.Name.Local != "VirtualBox" {
					return fmt.Errorf("%w (root element <%s>)", errNotMachine, t.Name.Local)
				}
				if t.Name.Space != "" && t.Name.Space != Namespace {
					return fmt.Errorf("%w (root element in namespace %q)", errNotMachine, t.Name.Space)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if !root {
		return errors.New("no XML element found")
	}
	return nil
}

// line is the 1-based line of the decoder's position.
func line(dec *xml.Decoder, data []byte) int {
	off := min(int(dec.InputOffset()), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// strictDecoder never expands entities beyond the predefined five and
// accepts UTF-8 (and ASCII) only.
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
