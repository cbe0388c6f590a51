package imagescan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
)

// Mode says when images are scanned.
type Mode string

// Modes.
const (
	// ModeAuto scans when a vulnerability DB is already on disk and never
	// downloads one: an audit without a DB reports the image checks as
	// unknown and stays off the network.
	ModeAuto Mode = "auto"
	// ModeOn always scans; without --offline a missing or stale DB is
	// downloaded or updated through trivy's own client first. No usable DB
	// makes the scan incomplete.
	ModeOn Mode = "on"
	// ModeOff never scans.
	ModeOff Mode = "off"
)

// ParseMode reads "auto", "on" or "off".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(s)); m {
	case ModeAuto, ModeOn, ModeOff:
		return m, nil
	}
	return "", fmt.Errorf("invalid image scan mode %q (supported: auto, on, off)", s)
}

// Options configure a Scanner.
type Options struct {
	Mode Mode
	// DBDir holds trivy.db and metadata.json; default CacheDir/db, the
	// directory the trivy CLI itself uses.
	DBDir string
	// CacheDir is trivy's cache directory: $TRIVY_CACHE_DIR, else the
	// user cache directory's "trivy" (~/.cache/trivy).
	CacheDir string
	// Offline forbids every network access: no DB download or update.
	// (Analysis never uses the network: the executable analyzer, which
	// sends binary digests to Rekor, and the Java DB lookups are off.)
	Offline bool
	// Concurrency bounds the images scanned at once (default 2).
	Concurrency int
	// Misconfig also runs trivy's image-configuration checks (DS-*);
	// compiling them costs about 0.7 s per image.
	Misconfig bool
	Logger    zerolog.Logger
}

// DefaultOptions scan when a DB exists, from trivy's cache directory,
// two images at a time, with the image-configuration checks.
func DefaultOptions() Options {
	return Options{Mode: ModeAuto, Concurrency: 2, Misconfig: true, Logger: zerolog.Nop()}
}

// Validate fills the directories and checks the values.
func (o *Options) Validate() error {
	if _, err := ParseMode(string(o.Mode)); err != nil {
		return err
	}
	if o.Concurrency < 1 {
		return errors.New("image scan concurrency must be at least 1")
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.DBDir == "" {
		o.DBDir = filepath.Join(o.CacheDir, "db")
	}
	if st, err := os.Stat(o.DBDir); err == nil && !st.IsDir() {
		return fmt.Errorf("--trivy-db %s: not a directory", o.DBDir)
	}
	return nil
}

// DefaultCacheDir is trivy's default cache directory.
func DefaultCacheDir() string {
	if d := os.Getenv("TRIVY_CACHE_DIR"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "trivy")
}

// dbFile is the DB file inside DBDir.
func (o *Options) dbFile() string { return filepath.Join(o.DBDir, "trivy.db") }

// haveDB reports whether a DB file exists.
func (o *Options) haveDB() bool {
	st, err := os.Stat(o.dbFile())
	return err == nil && st.Mode().IsRegular()
}
