package reports

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Publish makes dir show a new report all at once. write renders the report
// into a fresh folder, into; prev is the folder dir shows now ("" when
// none), from which an incremental write may take unchanged files. Then dir,
// a symbolic link, is switched to the new folder with one rename: a reader
// opening any file under dir (the daemon's HTTP listener, a browser, rsync)
// gets a file of the old report or of the new one, whole, never one being
// written, and never a missing index between the two.
//
// The folders live beside dir in a hidden ".NAME.versions" folder; after a
// switch all but the new one and the one before it (which a reader may
// still be reading) are removed, including the leftovers of a write that
// was killed. A dir that is a real folder, from an egovbench that wrote in
// place, is moved there first. A failed write leaves dir as it was.
func Publish(ctx context.Context, dir string, write func(ctx context.Context, into, prev string) error) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if base == "." || base == string(filepath.Separator) {
		return fmt.Errorf("publish report: %q is not a folder name", dir)
	}
	versions := filepath.Join(parent, "."+base+".versions")
	if err := os.MkdirAll(versions, 0o755); err != nil {
		return fmt.Errorf("publish report: %w", err)
	}
	prev, err := current(dir, versions)
	if err != nil {
		return fmt.Errorf("publish report: %w", err)
	}
	name := time.Now().UTC().Format("20060102T150405.000000000Z")
	tmp := filepath.Join(versions, name+".partial")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return fmt.Errorf("publish report: %w", err)
	}
	if err := write(ctx, tmp, prev); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	final := filepath.Join(versions, name)
	if err := os.Rename(tmp, final); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("publish report: %w", err)
	}
	if err := switchTo(dir, filepath.Join(filepath.Base(versions), name)); err != nil {
		return fmt.Errorf("publish report: %w", err)
	}
	// Only what is neither shown nor just replaced goes; a failure to
	// clean costs disk, not the report.
	keep := map[string]bool{name: true}
	if prev != "" {
		keep[filepath.Base(prev)] = true
	}
	entries, _ := os.ReadDir(versions)
	for _, e := range entries {
		if !keep[e.Name()] {
			_ = os.RemoveAll(filepath.Join(versions, e.Name()))
		}
	}
	return nil
}

// current returns the folder dir shows, moving a real folder (the old
// in-place layout) into versions and pointing dir at it.
func current(dir, versions string) (string, error) {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(dir)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(dir), target)
		}
		if _, err := os.Stat(target); err != nil {
			return "", nil // dangling: nothing to take files from
		}
		return target, nil
	case fi.IsDir():
		// The one moment dir is missing: a reader gets "not found", never
		// a partial file. It happens once, on the first publish.
		legacy := filepath.Join(versions, time.Now().UTC().Format("20060102T150405.000000000Z")+"-inplace")
		if err := os.Rename(dir, legacy); err != nil {
			return "", err
		}
		if err := switchTo(dir, filepath.Join(filepath.Base(versions), filepath.Base(legacy))); err != nil {
			return "", err
		}
		return legacy, nil
	default:
		return "", fmt.Errorf("%s exists and is not a report folder", dir)
	}
}

// switchTo points the symbolic link dir at target (relative to dir's
// folder, so the pair can be moved together) with one rename, which
// replaces the old link atomically.
func switchTo(dir, target string) error {
	link := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".link-"+strings.ReplaceAll(filepath.Base(target), string(filepath.Separator), "_"))
	_ = os.Remove(link)
	if err := os.Symlink(target, link); err != nil {
		return err
	}
	if err := os.Rename(link, dir); err != nil {
		_ = os.Remove(link)
		return err
	}
	// The switch is durable only once the folder's entry is on disk.
	if d, err := os.Open(filepath.Dir(dir)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
