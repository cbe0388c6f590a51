package host

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
)

// dockerdValueFlags are dockerd flags that take a value (the others this
// parser knows are booleans).
var dockerdValueFlags = map[string]bool{
	"-H": true, "--host": true, "--userns-remap": true, "--authorization-plugin": true, "--seccomp-profile": true,
	"--config-file": true, "-G": true, "--group": true, "--tlscacert": true, "--tlscert": true, "--tlskey": true,
	"--data-root": true, "--exec-root": true, "-p": true, "--pidfile": true, "--log-level": true, "-l": true,
	"--containerd": true, "--default-runtime": true, "--storage-driver": true, "-s": true, "--bip": true,
	"--dns": true, "--add-runtime": true, "--cgroup-parent": true, "--default-cgroupns-mode": true,
	"--default-ipc-mode": true, "--exec-opt": true, "--log-driver": true, "--log-opt": true, "--mtu": true,
	"--registry-mirror": true, "--insecure-registry": true, "--label": true, "--storage-opt": true,
}

// dockerdCmdline is what the running dockerd's command line sets.
type dockerdCmdline struct {
	values map[string][]string // flag (long form) → values
	bools  map[string]bool
}

func parseDockerdArgs(args []string) dockerdCmdline {
	out := dockerdCmdline{values: map[string][]string{}, bools: map[string]bool{}}
	long := map[string]string{"-H": "--host", "-G": "--group", "-p": "--pidfile", "-l": "--log-level", "-s": "--storage-driver"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if l, ok := long[name]; ok {
			name = l
		}
		if dockerdValueFlags[name] || dockerdValueFlags[a] {
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			out.values[name] = append(out.values[name], val)
			continue
		}
		b := true
		if hasVal {
			b, _ = strconv.ParseBool(val)
		}
		out.bools[name] = b
	}
	return out
}

// daemonJSON is the subset of daemon.json that matters for escape.
type daemonJSON struct {
	Hosts                []string `json:"hosts"`
	TLS                  *bool    `json:"tls"`
	TLSVerify            *bool    `json:"tlsverify"`
	UsernsRemap          string   `json:"userns-remap"`
	NoNewPrivileges      *bool    `json:"no-new-privileges"`
	ICC                  *bool    `json:"icc"`
	AuthorizationPlugins []string `json:"authorization-plugins"`
	SeccompProfile       string   `json:"seccomp-profile"`
	Group                string   `json:"group"`
}

// dockerDaemon reads the daemon's configuration: daemon.json, the
// running dockerd's command line (which wins, as in dockerd), the
// socket's permissions and, live, /info and /version over the socket.
func (c *collector) dockerDaemon(ctx context.Context, h *audit.Host) {
	d := audit.DockerDaemon{Sources: []string{}, Hosts: []string{}, AuthorizationPlugins: []string{}, ICC: true}
	d.Socket.GroupMembers = []string{}
	installed := false
	for _, p := range []string{"/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd"} {
		if c.fs.exists(p) {
			installed = true
		}
	}
	pid, args, uid := c.findProcess("dockerd")
	cmd := parseDockerdArgs(args)
	if pid != "" {
		installed = true
		d.Sources = append(d.Sources, "/proc/"+pid+"/cmdline")
		d.Rootless = uid != 0
	}
	cfgPath := "/etc/docker/daemon.json"
	if v := cmd.values["--config-file"]; len(v) > 0 {
		cfgPath = v[len(v)-1]
	}
	var cfg daemonJSON
	if s := c.fs.read(cfgPath); s != "" {
		installed = true
		if err := json.Unmarshal([]byte(s), &cfg); err == nil {
			d.Sources = append(d.Sources, cfgPath)
		} else {
			c.notes = append(c.notes, fmt.Sprintf("%s: not valid JSON, ignored: %v", cfgPath, err))
		}
	}
	if !installed {
		h.Daemon = d
		return
	}
	d.Known = true
	d.Hosts = append(append(d.Hosts, cfg.Hosts...), cmd.values["--host"]...)
	d.TLS = boolOr(cfg.TLS, false) || cmd.bools["--tls"]
	d.TLSVerify = boolOr(cfg.TLSVerify, false) || cmd.bools["--tlsverify"]
	d.TLS = d.TLS || d.TLSVerify
	d.UsernsRemap = lastOr(cmd.values["--userns-remap"], cfg.UsernsRemap)
	d.NoNewPrivileges = boolOr(cfg.NoNewPrivileges, false)
	if v, ok := cmd.bools["--no-new-privileges"]; ok {
		d.NoNewPrivileges = v
	}
	d.ICC = boolOr(cfg.ICC, true)
	if v, ok := cmd.bools["--icc"]; ok {
		d.ICC = v
	}
	d.AuthorizationPlugins = append(append(d.AuthorizationPlugins, cfg.AuthorizationPlugins...), cmd.values["--authorization-plugin"]...)
	d.SeccompProfile = lastOr(cmd.values["--seccomp-profile"], cfg.SeccompProfile)
	group := lastOr(cmd.values["--group"], cfg.Group)
	if group == "" {
		group = "docker"
	}
	sock := "/var/run/docker.sock"
	for _, hst := range d.Hosts {
		if p, ok := strings.CutPrefix(hst, "unix://"); ok {
			sock = p
			break
		}
	}
	d.Socket = c.socket(sock, group)
	if !c.offline && c.opts.DockerAPI {
		c.daemonAPI(ctx, &d, h)
	}
	d.AuthorizationPlugins = sorted(d.AuthorizationPlugins)
	d.Hosts = sorted(d.Hosts)
	h.Daemon = d
}

// daemonAPI adds /info and /version: the engine and runtime versions,
// authorization plugins and security options the daemon reports.
func (c *collector) daemonAPI(ctx context.Context, d *audit.DockerDaemon, h *audit.Host) {
	if d.Socket.Mode == "" {
		return
	}
	cli, err := client.New(client.WithHost("unix://"+c.fs.path(d.Socket.Path)), client.WithAPIVersionFromEnv())
	if err != nil {
		return
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		c.notes = append(c.notes, "docker daemon API not read: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	ver, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		c.notes = append(c.notes, "docker daemon version not read: "+err.Error())
		return
	}
	api := docker.HostFromDaemon(info.Info, ver)
	h.Engine = api.Engine
	if h.CgroupDriver == "" {
		h.CgroupDriver = api.CgroupDriver
	}
	h.LSMs = api.LSMs
	d.Sources = append(d.Sources, "/info")
	d.AuthorizationPlugins = append(d.AuthorizationPlugins, info.Info.Plugins.Authorization...)
	d.AuthorizationPlugins = slices.Compact(sorted(d.AuthorizationPlugins))
	d.Rootless = d.Rootless || api.Engine.Rootless
	for _, o := range info.Info.SecurityOptions {
		if strings.HasPrefix(o, "name=seccomp") && strings.Contains(o, "profile=unconfined") {
			d.SeccompProfile = "unconfined"
		}
		if strings.HasPrefix(o, "name=userns") && d.UsernsRemap == "" {
			d.UsernsRemap = "default"
		}
	}
}

// socket describes the API socket and its group's members.
func (c *collector) socket(p, group string) audit.DaemonSocket {
	s := audit.DaemonSocket{Path: p, GroupMembers: []string{}}
	fi, err := os.Stat(c.fs.path(p))
	if err != nil {
		// No socket (a stopped daemon, a mounted root): dockerd creates it
		// owned by its configured group, whose members reach it then.
		s.Group = group
		s.GroupMembers = c.groupMembers(group)
		return s
	}
	s.Mode = fmt.Sprintf("%o", fi.Mode().Perm())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.Owner = c.userName(int(st.Uid))
		s.Group = c.groupName(int(st.Gid))
	}
	if s.Group == "" {
		s.Group = group
	}
	s.GroupMembers = c.groupMembers(s.Group)
	return s
}

func (c *collector) userName(uid int) string {
	for _, l := range lines(c.fs.read("/etc/passwd")) {
		f := strings.Split(l, ":")
		if len(f) > 2 && f[2] == strconv.Itoa(uid) {
			return f[0]
		}
	}
	return strconv.Itoa(uid)
}

func (c *collector) groupName(gid int) string {
	for _, l := range lines(c.fs.read("/etc/group")) {
		f := strings.Split(l, ":")
		if len(f) > 2 && f[2] == strconv.Itoa(gid) {
			return f[0]
		}
	}
	return strconv.Itoa(gid)
}

// groupMembers lists the group's supplementary members and the users
// whose primary group it is (root excluded: it needs no group).
func (c *collector) groupMembers(group string) []string {
	var out []string
	gid := ""
	for _, l := range lines(c.fs.read("/etc/group")) {
		f := strings.Split(l, ":")
		if len(f) == 4 && f[0] == group {
			gid = f[2]
			for _, m := range strings.Split(f[3], ",") {
				if m = strings.TrimSpace(m); m != "" {
					out = append(out, m)
				}
			}
		}
	}
	if gid != "" {
		for _, l := range lines(c.fs.read("/etc/passwd")) {
			f := strings.Split(l, ":")
			if len(f) > 3 && f[3] == gid {
				out = append(out, f[0])
			}
		}
	}
	return slices.DeleteFunc(sorted(out), func(s string) bool { return s == "root" })
}

// findProcess returns the pid, arguments and real uid of the first
// process whose command name is comm.
func (c *collector) findProcess(comm string) (pid string, args []string, uid int) {
	pids := make([]string, 0, 1)
	for pid, name := range c.processList() {
		if name == comm {
			pids = append(pids, pid)
		}
	}
	sort.Strings(pids)
	for _, p := range pids {
		dir := "/proc/" + p
		raw := strings.TrimRight(c.fs.read(dir+"/cmdline"), "\x00")
		if raw == "" {
			continue
		}
		uid = -1
		for _, l := range lines(c.fs.read(dir + "/status")) {
			if v, ok := strings.CutPrefix(l, "Uid:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					uid, _ = strconv.Atoi(f[0])
				}
			}
		}
		return strings.TrimPrefix(dir, "/proc/"), strings.Split(raw, "\x00")[1:], uid
	}
	return "", nil, 0
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func lastOr(v []string, def string) string {
	if len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// containerdCRI tells whether the containerd daemons here serve the CRI
// plugin: each running containerd's --config (default
// /etc/containerd/config.toml) is read for disabled_plugins. "" when no
// containerd runs (offline roots: the installed config decides if it
// exists).
func (c *collector) containerdCRI() string {
	var configs []string
	for pid, comm := range c.processList() {
		if comm != "containerd" {
			continue
		}
		args := strings.Split(strings.TrimRight(c.fs.read("/proc/"+pid+"/cmdline"), "\x00"), "\x00")
		cfg := "/etc/containerd/config.toml"
		for i, a := range args {
			if (a == "--config" || a == "-c") && i+1 < len(args) {
				cfg = args[i+1]
			} else if v, ok := strings.CutPrefix(a, "--config="); ok {
				cfg = v
			}
		}
		configs = append(configs, cfg)
	}
	if len(configs) == 0 {
		if !c.offline || !c.fs.exists("/etc/containerd/config.toml") {
			return ""
		}
		configs = []string{"/etc/containerd/config.toml"}
	}
	for _, cfg := range configs {
		if !criDisabled(c.fs.read(cfg)) {
			return "enabled"
		}
	}
	return "disabled"
}

// criDisabled reports whether a containerd config's disabled_plugins
// names the CRI plugin; a missing or unreadable file leaves CRI on (the
// default).
func criDisabled(toml string) bool {
	for _, l := range lines(toml) {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.TrimSpace(k) == "disabled_plugins" {
			return strings.Contains(v, `"cri"`) || strings.Contains(v, `"io.containerd.grpc.v1.cri"`)
		}
	}
	return false
}
