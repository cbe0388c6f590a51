package docker

import (
	"testing"

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
	got = imageOf("aa65db88be2d", id, nil)
	if got.Registry != "" || got.Repo != "" || got.Tag != "" || got.ID != id {
		t.Errorf("short id ref: got %+v", got)
	}
}
