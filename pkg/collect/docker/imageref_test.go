package docker

import (
	"fmt"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/image"
)

func TestParseImageRef(t *testing.T) {
	const dgst = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		ref  string
		want imageRef
	}{
		{"nginx", imageRef{"docker.io", "library/nginx", "latest", ""}},
		{"nginx:1.27", imageRef{"docker.io", "library/nginx", "1.27", ""}},
		{"bitnami/redis:7", imageRef{"docker.io", "bitnami/redis", "7", ""}},
		{"docker.io/nginx", imageRef{"docker.io", "library/nginx", "latest", ""}},
		{"index.docker.io/library/nginx:1", imageRef{"docker.io", "library/nginx", "1", ""}},
		{"ghcr.io/org/app:v1.2", imageRef{"ghcr.io", "org/app", "v1.2", ""}},
		{"localhost:5000/app", imageRef{"localhost:5000", "app", "latest", ""}},
		{"localhost/app:dev", imageRef{"localhost", "app", "dev", ""}},
		{"registry.example.com:443/team/app:1@" + dgst, imageRef{"registry.example.com:443", "team/app", "1", dgst}},
		{"nginx@" + dgst, imageRef{"docker.io", "library/nginx", "", dgst}},
		{dgst, imageRef{}},
		{"", imageRef{}},
	}
	for _, tt := range tests {
		if got := parseImageRef(tt.ref); got != tt.want {
			t.Errorf("parseImageRef(%q) = %+v, want %+v", tt.ref, got, tt.want)
		}
	}
}

func TestImageOf(t *testing.T) {
	const id = "sha256:aa65db88be2d9516b9eb21b92afdd35e8dff5e0127e5f8d4ca688e402c03d158"
	const dgst = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	img := &image.InspectResponse{
		Created:     "2026-11-26T14:56:53Z",
		RepoDigests: []string{"ghcr.io/other/app@sha256:2222", "nginx@" + dgst},
	}
	got := imageOf("nginx:1.27", id, img)
	if got.Digest != dgst || got.Created != "2026-11-26T14:56:53Z" || got.Repo != "library/nginx" {
		t.Errorf("digest from RepoDigests: got %+v", got)
	}
	if got.RefChecked { // nginx:1.27 is not among the image's tags
		t.Errorf("ref checked without a matching tag: %+v", got)
	}
	img.RepoTags = []string{"nginx:1.27"}
	img.Config = &dockerspec.DockerOCIImageConfig{}
	img.Config.Env = []string{"API_TOKEN=s3cr3t", "PATH=/bin"}
	img.Config.Labels = map[string]string{"db.password": "s3cr3t", "maintainer": "ops"}
	got = imageOf("nginx:1.27", id, img)
	if !got.RefChecked || got.RefID != id {
		t.Errorf("the image's own tag should resolve to it: %+v", got)
	}
	if fmt.Sprint(got.EnvNames) != "[API_TOKEN PATH]" || got.Labels["db.password"] != RedactedValue || got.Labels["maintainer"] != "ops" {
		t.Errorf("env names / labels: %+v", got)
	}
	if strings.Contains(fmt.Sprintf("%+v", got), "s3cr3t") {
		t.Errorf("a secret value reached the image document: %+v", got)
	}
	got = imageOf("nginx@"+dgst, id, img)
	if !got.RefChecked {
		t.Errorf("a digest reference among RepoDigests should resolve: %+v", got)
	}
	got = imageOf("aa65db88be2d", id, nil)
	if got.Registry != "" || got.Repo != "" || got.Tag != "" || got.ID != id {
		t.Errorf("short id ref: got %+v", got)
	}
}
