package audit

// Container is the normalized document of one container, the same whatever
// produced it (Docker or Podman API, an offline `docker inspect` file).
// Checks read it in CEL as `container`; field names below are the CEL and
// JSON names. Every field is documented in checks/README.md.
//
// Values that could hold secrets never enter the document: environment
// variables appear by name only, and the command line is not kept.
type Container struct {
	ID    string `json:"id" cel:"id"`
	Name  string `json:"name" cel:"name"`
	State string `json:"state" cel:"state"` // running, created, exited, paused…
	Image Image  `json:"image" cel:"image"`
	// User is the configured user as written ("", "0", "root", "1000:1000",
	// "app"); UID is its numeric uid when it can be told (-1 when it names
	// a user that only the image's passwd file resolves). Root is true for
	// "", "0", "root" and "0:…"/"root:…".
	User              string            `json:"user" cel:"user"`
	UID               int64             `json:"uid" cel:"uid"`
	Root              bool              `json:"root" cel:"root"`
	Privileged        bool              `json:"privileged" cel:"privileged"`
	Capabilities      Capabilities      `json:"capabilities" cel:"capabilities"`
	Namespaces        Namespaces        `json:"namespaces" cel:"namespaces"`
	Mounts            []Mount           `json:"mounts" cel:"mounts"`
	Devices           []Device          `json:"devices" cel:"devices"`
	DeviceCgroupRules []string          `json:"device_cgroup_rules" cel:"device_cgroup_rules"`
	Security          Security          `json:"security" cel:"security"`
	ReadonlyRootfs    bool              `json:"readonly_rootfs" cel:"readonly_rootfs"`
	Resources         Resources         `json:"resources" cel:"resources"`
	Sysctls           map[string]string `json:"sysctls" cel:"sysctls"`
	// Runtime is the OCI runtime name (runc, runsc, kata-runtime, crun…);
	// Sandboxed is true for runtimes that give the container its own kernel.
	Runtime      string   `json:"runtime" cel:"runtime"`
	Sandboxed    bool     `json:"sandboxed" cel:"sandboxed"`
	Ports        []Port   `json:"ports" cel:"ports"`
	EnvNames     []string `json:"env_names" cel:"env_names"`
	WorkingDir   string   `json:"working_dir" cel:"working_dir"`
	CgroupParent string   `json:"cgroup_parent" cel:"cgroup_parent"`
}

// Image describes the image a container runs.
type Image struct {
	Ref      string `json:"ref" cel:"ref"` // as configured, e.g. "nginx:1.27"
	ID       string `json:"id" cel:"id"`   // content id, "sha256:…"
	Registry string `json:"registry" cel:"registry"`
	Repo     string `json:"repo" cel:"repo"`
	Tag      string `json:"tag" cel:"tag"`
	Digest   string `json:"digest" cel:"digest"`
	Created  string `json:"created" cel:"created"` // RFC 3339, "" when unknown
	User     string `json:"user" cel:"user"`       // the image config's USER, "" when unknown
	// RepoDigests are the image's "repo@sha256:…" entries; EnvNames the
	// names (never values) of the image config's ENV; Labels the image
	// config's labels with secret-looking values redacted. All empty when
	// the image was not inspected.
	RepoDigests []string          `json:"repo_digests" cel:"repo_digests"`
	EnvNames    []string          `json:"env_names" cel:"env_names"`
	Labels      map[string]string `json:"labels" cel:"labels"`
	// RefChecked is true when the daemon was asked what Ref points to now;
	// RefID is the image id it resolved to ("" when it resolves to none).
	RefChecked bool   `json:"ref_checked" cel:"ref_checked"`
	RefID      string `json:"ref_id" cel:"ref_id"`
	// Trust is the trust policy's verdict on the image, filled by the scan
	// (zero when no policy was applied).
	Trust ImageTrust `json:"trust" cel:"trust"`
	// Scan holds the image scanner's results (zero when not scanned).
	Scan ImageScan `json:"scan" cel:"scan"`
}

// ImageTrust is the trust policy applied to one image: the facts a check
// needs so that the policy's values (lists, limits) never appear in CEL.
type ImageTrust struct {
	// Evaluated is false when no trust policy was applied.
	Evaluated bool `json:"evaluated" cel:"evaluated"`
	// Allowed is false when the registry or repository is denied or not
	// in a non-empty allow list; Rule names the policy entry that decided.
	Allowed bool   `json:"allowed" cel:"allowed"`
	Rule    string `json:"rule" cel:"rule"`
	// RequireDigest is the policy's require_digest.
	RequireDigest bool `json:"require_digest" cel:"require_digest"`
	// MaxAgeDays is the policy's max_image_age in whole days (0: no limit);
	// AgeDays the image's age at scan time (-1 when its creation time is
	// unknown).
	MaxAgeDays int64 `json:"max_age_days" cel:"max_age_days"`
	AgeDays    int64 `json:"age_days" cel:"age_days"`
	// RootForbidden is true when the image matches non_root_images.
	RootForbidden bool `json:"root_forbidden" cel:"root_forbidden"`
}

// Image scan statuses.
const (
	ImageScanOK      = "ok"      // scanned with a vulnerability DB
	ImageScanUnknown = "unknown" // not scanned: no DB, scanning off, image unreachable
	ImageScanError   = "error"   // the scan itself failed
)

// ImageScan is what the image scanner found in one image; every container
// of the image carries the same value.
type ImageScan struct {
	// Status is "ok" (analyzed and matched against a vulnerability DB),
	// "unknown" or "error" ("" when no scanner ran); Reason says why it is
	// not "ok".
	Status string `json:"status" cel:"status"`
	Reason string `json:"reason" cel:"reason"`
	// Analyzed is true when the image's layers and configuration were
	// read, so OS, Packages, Secrets and Misconfigs are valid even when no
	// vulnerability DB was available (Status "unknown").
	Analyzed bool `json:"analyzed" cel:"analyzed"`
	// OS is the detected distribution ("debian 12.5", "" when none);
	// Packages the number of OS and language packages found.
	OS       string `json:"os" cel:"os"`
	Packages int64  `json:"packages" cel:"packages"`
	// Vulnerabilities counts every vulnerability by severity; Fixable
	// lists those with a fixed version, most severe first.
	Vulnerabilities VulnCounts      `json:"vulnerabilities" cel:"vulnerabilities"`
	Fixable         []Vulnerability `json:"fixable" cel:"fixable"`
	// Secrets are secrets found in image files: rule and place only,
	// never the matched text.
	Secrets []ImageSecret `json:"secrets" cel:"secrets"`
	// Misconfigs are the failed checks the scanner applies to the image
	// configuration (Dockerfile-equivalent history and config).
	Misconfigs []ImageMisconfig `json:"misconfigs" cel:"misconfigs"`
}

// VulnCounts counts vulnerabilities per severity.
type VulnCounts struct {
	Critical int64 `json:"critical" cel:"critical"`
	High     int64 `json:"high" cel:"high"`
	Medium   int64 `json:"medium" cel:"medium"`
	Low      int64 `json:"low" cel:"low"`
	Unknown  int64 `json:"unknown" cel:"unknown"`
}

// Vulnerability is one vulnerable package version.
type Vulnerability struct {
	ID        string `json:"id" cel:"id"` // CVE-…, GHSA-…
	Package   string `json:"package" cel:"package"`
	Installed string `json:"installed" cel:"installed"`
	Fixed     string `json:"fixed" cel:"fixed"`
	Severity  string `json:"severity" cel:"severity"` // critical, high, medium, low, unknown
}

// ImageSecret is a secret found in an image file.
type ImageSecret struct {
	RuleID   string `json:"rule_id" cel:"rule_id"`
	Title    string `json:"title" cel:"title"`
	Severity string `json:"severity" cel:"severity"`
	Path     string `json:"path" cel:"path"`
	Line     int64  `json:"line" cel:"line"`
}

// ImageMisconfig is a failed image-configuration check.
type ImageMisconfig struct {
	ID       string `json:"id" cel:"id"` // DS-0002…
	Title    string `json:"title" cel:"title"`
	Severity string `json:"severity" cel:"severity"`
}

// Capabilities are Linux capability names without the CAP_ prefix, upper
// case. Effective is the engine's default set plus Added minus Dropped,
// with ALL and privileged mode expanded to the full set.
type Capabilities struct {
	Added     []string `json:"added" cel:"added"`
	Dropped   []string `json:"dropped" cel:"dropped"`
	Effective []string `json:"effective" cel:"effective"`
}

// Namespaces holds each namespace mode as the engine reports it: "host",
// "private", "container:<id>", "shareable", or "" for the engine default.
type Namespaces struct {
	PID    string `json:"pid" cel:"pid"`
	Net    string `json:"net" cel:"net"`
	IPC    string `json:"ipc" cel:"ipc"`
	UTS    string `json:"uts" cel:"uts"`
	User   string `json:"user" cel:"user"`
	Cgroup string `json:"cgroup" cel:"cgroup"`
}

// Mount is one filesystem mount: bind, volume, tmpfs, npipe…
type Mount struct {
	Type        string `json:"type" cel:"type"`
	Source      string `json:"source" cel:"source"` // host path for binds; volume path for volumes
	Name        string `json:"name" cel:"name"`     // volume name, "" otherwise
	Destination string `json:"destination" cel:"destination"`
	RW          bool   `json:"rw" cel:"rw"`
	Propagation string `json:"propagation" cel:"propagation"`
}

// Device is a host device node passed into the container.
type Device struct {
	PathOnHost        string `json:"path_on_host" cel:"path_on_host"`
	PathInContainer   string `json:"path_in_container" cel:"path_in_container"`
	CgroupPermissions string `json:"cgroup_permissions" cel:"cgroup_permissions"`
}

// Security is the container's LSM and hardening configuration.
type Security struct {
	// Seccomp is "default" (the engine's profile), "unconfined", or
	// "custom" (a profile passed by the user).
	Seccomp string `json:"seccomp" cel:"seccomp"`
	// AppArmor is the profile name, "unconfined", or "" when the host has
	// no AppArmor or the engine did not report one.
	AppArmor string `json:"apparmor" cel:"apparmor"`
	// SELinuxLabel is the process label; SELinuxDisabled is true when
	// `label=disable` was set by the user (not the one the engine adds for
	// privileged/host-PID/host-IPC containers).
	SELinuxLabel    string   `json:"selinux_label" cel:"selinux_label"`
	SELinuxDisabled bool     `json:"selinux_disabled" cel:"selinux_disabled"`
	NoNewPrivileges bool     `json:"no_new_privileges" cel:"no_new_privileges"`
	MaskedPaths     []string `json:"masked_paths" cel:"masked_paths"`
	ReadonlyPaths   []string `json:"readonly_paths" cel:"readonly_paths"`
	// SystemPathsUnconfined is true when masked and read-only paths were
	// removed (`--security-opt systempaths=unconfined`) on a container
	// that is not privileged.
	SystemPathsUnconfined bool `json:"systempaths_unconfined" cel:"systempaths_unconfined"`
	WritableCgroups       bool `json:"writable_cgroups" cel:"writable_cgroups"`
	// Options are the raw security options, normalized to key=value.
	Options []string `json:"options" cel:"options"`
}

// Resources are the cgroup limits; 0 means unlimited.
type Resources struct {
	Memory    int64 `json:"memory" cel:"memory"`         // bytes
	PidsLimit int64 `json:"pids_limit" cel:"pids_limit"` // 0 or negative: unlimited
	NanoCPUs  int64 `json:"nano_cpus" cel:"nano_cpus"`
	CPUShares int64 `json:"cpu_shares" cel:"cpu_shares"`
	CPUQuota  int64 `json:"cpu_quota" cel:"cpu_quota"`
}

// Port is one published port.
type Port struct {
	HostIP        string `json:"host_ip" cel:"host_ip"`
	HostPort      int64  `json:"host_port" cel:"host_port"`
	ContainerPort int64  `json:"container_port" cel:"container_port"`
	Protocol      string `json:"protocol" cel:"protocol"`
}
