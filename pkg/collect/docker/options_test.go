package docker

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(o *Options)
		wantErr string
	}{
		{"defaults", func(o *Options) {}, ""},
		{"unix host", func(o *Options) { o.Host = "unix:///run/docker.sock" }, ""},
		{"ssh host", func(o *Options) { o.Host = "ssh://ops@build-1:2222" }, ""},
		{"zero concurrency", func(o *Options) { o.Concurrency = 0 }, "invalid concurrency 0"},
		{"negative timeout", func(o *Options) { o.RequestTimeout = -time.Second }, "invalid request timeout"},
		{"unknown scheme", func(o *Options) { o.Host = "ftp://x" }, `unsupported docker host scheme "ftp" (supported: unix, tcp, ssh, npipe, http, https)`},
		{"no scheme", func(o *Options) { o.Host = "/var/run/docker.sock" }, "invalid docker host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.mutate(&o)
			err := o.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRedactEndpoint(t *testing.T) {
	tests := map[string]string{
		"unix:///var/run/docker.sock":      "unix:///var/run/docker.sock",
		"ssh://ops@build-1:2222":           "ssh://build-1:2222",
		"tcp://admin:s3cret@10.0.0.5:2376": "tcp://10.0.0.5:2376",
		"tcp://admin:s3cr%t@10.0.0.5:2376": "tcp://10.0.0.5:2376",
		"npipe:////./pipe/docker_engine":   "npipe:////./pipe/docker_engine",
		"tcp://10.0.0.5:2376":              "tcp://10.0.0.5:2376",
	}
	for in, want := range tests {
		if got := redactEndpoint(in); got != want {
			t.Errorf("redactEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScrubHost(t *testing.T) {
	const host = "tcp://admin:s3cret@10.0.0.5:2376"
	cause := errors.New("cannot connect to " + host)
	err := scrubHost(cause, host)
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "tcp://10.0.0.5:2376") || !errors.Is(err, cause) {
		t.Errorf("scrubHost: %v", err)
	}
	err = scrubHost(errors.New("cannot connect to "+sshHTTPHost), "ssh://ops@build-1")
	if err.Error() != "cannot connect to ssh://build-1" {
		t.Errorf("scrubHost over ssh: %v", err)
	}
	orig := errors.New("plain")
	if scrubHost(orig, "unix:///var/run/docker.sock") != orig {
		t.Error("scrubHost changed an error with nothing to scrub")
	}
}

func TestNewEndpoint(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://ops:pw@daemon.example:2375")
	c, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Kind() != "docker" || c.Endpoint() != "tcp://daemon.example:2375" {
		t.Errorf("Kind, Endpoint = %q, %q", c.Kind(), c.Endpoint())
	}
	o := DefaultOptions()
	o.Host = "unix:///tmp/other.sock"
	if c, err = New(o); err != nil || c.Endpoint() != "unix:///tmp/other.sock" {
		t.Errorf("explicit host: %v, %v", c, err)
	}
}
