package docker

import "testing"

func TestRedactLabels(t *testing.T) {
	in := map[string]string{
		"com.example.db.password": "p4ss", "API_TOKEN": "t0k", "Secret": "s", "ssh-key": "k",
		"aws_credentials": "c", "basic.auth": "a", "app.passwd": "p", "maintainer": "ops@example.com",
	}
	got := RedactLabels(in)
	for k, v := range got {
		want := RedactedValue
		if k == "maintainer" {
			want = "ops@example.com"
		}
		if v != want {
			t.Errorf("label %s = %q, want %q", k, v, want)
		}
	}
	if in["API_TOKEN"] != "t0k" {
		t.Error("RedactLabels changed its input")
	}
	if RedactLabels(nil) != nil {
		t.Error("RedactLabels(nil) != nil")
	}
}

func TestEnvNames(t *testing.T) {
	got := EnvNames([]string{"PATH=/bin", "SECRET=x=y", "BARE", "PATH=/usr/bin", "=weird"})
	equal(t, "names", got, []string{"BARE", "PATH", "SECRET"})
}

func TestIsSandboxedRuntime(t *testing.T) {
	for name, want := range map[string]bool{
		"runsc": true, "gvisor": true, "kata": true, "kata-runtime": true, "kata-qemu": true,
		"io.containerd.runsc.v1": true, "io.containerd.kata.v2": true,
		"runc": false, "crun": false, "io.containerd.runc.v2": false, "": false,
	} {
		if got := IsSandboxedRuntime(name); got != want {
			t.Errorf("IsSandboxedRuntime(%q) = %v, want %v", name, got, want)
		}
	}
}
