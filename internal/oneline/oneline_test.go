package oneline

import (
	"errors"
	"io/fs"
	"testing"
)

func TestError(t *testing.T) {
	base := errors.New("yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `0`\n  line 3: field x not found")
	got := Error(base)
	if want := "yaml: unmarshal errors; line 1: cannot unmarshal !!int `0`; line 3: field x not found"; got.Error() != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(got, base) {
		t.Error("the original error is not wrapped")
	}
	if Error(nil) != nil || Error(fs.ErrNotExist) != fs.ErrNotExist {
		t.Error("one-line errors must pass through unchanged")
	}
}
