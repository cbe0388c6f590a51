package docker

import (
	"context"
	"fmt"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
)

// imageResult is one image inspect, shared by every container of the
// image; img stays nil when the inspect failed.
type imageResult struct {
	img *image.InspectResponse
}

// prefetchImage starts the inspect of image id unless it has already
// started. The list gives image ids up front, so image inspects overlap
// the container inspects.
func (s *scan) prefetchImage(ctx context.Context, id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	r, started := s.images[id]
	if !started {
		r = &imageResult{}
		s.images[id] = r
	}
	s.mu.Unlock()
	if !started {
		s.imageWG.Go(func() { s.inspectImage(ctx, id, r) })
	}
}

// imageDoc returns the inspect document of image id once all inspects
// have finished; nil when it was not read.
func (s *scan) imageDoc(id string) *image.InspectResponse {
	if r := s.images[id]; r != nil {
		return r.img
	}
	return nil
}

// inspectImage runs one bounded image inspect and records a failure once:
// a note when the image is gone, an error otherwise.
func (s *scan) inspectImage(ctx context.Context, id string, r *imageResult) {
	if err := s.acquire(ctx); err != nil {
		return
	}
	defer s.release()
	rctx, cancel := s.c.requestContext(ctx)
	defer cancel()
	res, err := s.c.api.ImageInspect(rctx, id)
	switch {
	case err == nil:
		r.img = &res.InspectResponse
	case ctx.Err() != nil:
	case cerrdefs.IsNotFound(err):
		s.noteGone(fmt.Sprintf("image %s was removed before it could be inspected; image created time and user unknown", shortID(trimDigestAlgo(id))))
	default:
		s.fail("", fmt.Sprintf("inspect image %s: %v", shortID(trimDigestAlgo(id)), scrubHost(err, s.c.host)))
	}
}

// trimDigestAlgo drops a "sha256:" prefix from an id.
func trimDigestAlgo(id string) string {
	if _, hex, ok := strings.Cut(id, ":"); ok {
		return hex
	}
	return id
}

// resolveRefs asks the daemon, once per distinct reference, which image
// each container's configured reference (a name, not an id) points to
// now, unless the container's own image already carries that tag or
// digest. It runs after every inspect has finished.
func (s *scan) resolveRefs(ctx context.Context) {
	for _, in := range s.inspected {
		if in.Config == nil {
			continue
		}
		ref := in.Config.Image
		r := parseImageRef(ref)
		if r.Repo == "" || isShortIDOf(ref, in.Image) || s.refs[ref] != nil {
			continue
		}
		if img := s.imageDoc(in.Image); img != nil && refNamesImage(r, img) {
			continue
		}
		s.refs[ref] = &refResult{}
	}
	var wg sync.WaitGroup
	for ref, res := range s.refs {
		wg.Go(func() { s.resolveRef(ctx, ref, res) })
	}
	wg.Wait()
}

// resolveRef inspects one reference; a reference that resolves to no
// image is checked with id "". Other failures leave it unchecked.
func (s *scan) resolveRef(ctx context.Context, ref string, res *refResult) {
	if err := s.acquire(ctx); err != nil {
		return
	}
	defer s.release()
	rctx, cancel := s.c.requestContext(ctx)
	defer cancel()
	got, err := s.c.api.ImageInspect(rctx, ref)
	switch {
	case err == nil:
		res.checked, res.id = true, got.ID
	case cerrdefs.IsNotFound(err):
		res.checked = true
	}
}

// refResult is what a reference pointed to when the scan asked.
type refResult struct {
	checked bool
	id      string
}
