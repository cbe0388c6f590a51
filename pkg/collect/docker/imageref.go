package docker

import (
	"slices"
	"strings"

	"github.com/moby/moby/api/types/image"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// defaultRegistry is where an image reference without a registry points.
const defaultRegistry = "docker.io"

// imageRef is a parsed image reference.
type imageRef struct {
	Registry, Repo, Tag, Digest string
}

// parseImageRef splits a reference such as "nginx", "ghcr.io/o/app:1.2",
// "localhost:5000/x@sha256:…" into registry (default docker.io), repository
// (single names on Docker Hub get the "library/" prefix), tag ("latest"
// when neither tag nor digest is given) and digest. A bare image id
// ("sha256:…" or hex) yields a zero imageRef.
func parseImageRef(ref string) imageRef {
	if ref == "" || isImageID(ref) {
		return imageRef{}
	}
	var r imageRef
	name, digest, _ := strings.Cut(ref, "@")
	r.Digest = digest
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, r.Tag = name[:i], name[i+1:]
	}
	r.Registry, r.Repo = splitRegistry(name)
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	return r
}

// splitRegistry splits a repository name into registry and path, the way
// the distribution reference grammar tells a registry host from a path
// component: it contains "." or ":" or is "localhost".
func splitRegistry(name string) (registry, repo string) {
	first, rest, ok := strings.Cut(name, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		registry, repo = first, rest
	} else {
		registry, repo = defaultRegistry, name
	}
	if registry == "index.docker.io" || registry == "registry-1.docker.io" {
		registry = defaultRegistry
	}
	if registry == defaultRegistry && !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	return registry, repo
}

// isShortIDOf reports whether ref is an abbreviation (12+ hex digits) of
// the image id, as when a container was created from an id.
func isShortIDOf(ref, id string) bool {
	hex := strings.TrimPrefix(id, "sha256:")
	return len(ref) >= 12 && hex != "" && strings.HasPrefix(hex, ref)
}

// isImageID reports whether ref is an image id rather than a name.
func isImageID(ref string) bool {
	hex := strings.TrimPrefix(ref, "sha256:")
	if hex != ref {
		return true
	}
	if len(hex) != 64 {
		return false
	}
	return strings.Trim(hex, "0123456789abcdef") == ""
}

// imageOf describes the container's image from its configured reference,
// its image id, and (when known) the image's own inspect document.
func imageOf(ref, id string, img *image.InspectResponse) audit.Image {
	r := parseImageRef(ref)
	if isShortIDOf(ref, id) {
		r = imageRef{}
	}
	out := audit.Image{Ref: ref, ID: id, Registry: r.Registry, Repo: r.Repo, Tag: r.Tag, Digest: r.Digest,
		RepoDigests: []string{}, EnvNames: []string{}, Labels: map[string]string{}}
	if img == nil {
		return out
	}
	out.Created = img.Created
	out.RepoDigests = nonNil(slices.Clone(img.RepoDigests))
	if img.Config != nil {
		out.User = img.Config.User
		out.EnvNames = EnvNames(img.Config.Env)
		out.Labels = nonNilMap(RedactLabels(img.Config.Labels))
	}
	if refNamesImage(r, img) {
		out.RefChecked, out.RefID = true, id
	}
	if out.Digest == "" && out.Repo != "" {
		out.Digest = repoDigest(img.RepoDigests, r)
	}
	return out
}

// repoDigest returns the digest of the RepoDigests entry for r's
// repository, "" when there is none.
func repoDigest(repoDigests []string, r imageRef) string {
	for _, rd := range repoDigests {
		name, digest, ok := strings.Cut(rd, "@")
		if !ok {
			continue
		}
		registry, repo := splitRegistry(name)
		if registry == r.Registry && repo == r.Repo {
			return digest
		}
	}
	return ""
}

// refNamesImage reports whether the parsed reference r is one of the
// image's own tags or repo digests, so it still points to this image and
// the daemon need not be asked again.
func refNamesImage(r imageRef, img *image.InspectResponse) bool {
	if r.Repo == "" {
		return false
	}
	if r.Digest != "" {
		return repoDigest(img.RepoDigests, r) == r.Digest
	}
	for _, tag := range img.RepoTags {
		t := parseImageRef(tag)
		if t.Registry == r.Registry && t.Repo == r.Repo && t.Tag == r.Tag {
			return true
		}
	}
	return false
}
