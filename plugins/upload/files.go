package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Files is where the contents of uploads live, by name (a slot's id). The
// metadata (owner, file name, type) is kept apart, in the host's storage,
// so another store (S3-compatible, say) only has to implement this.
type Files interface {
	// Write stores what r yields under name. A reader that fails leaves
	// nothing behind, and a file is never seen half written.
	Write(ctx context.Context, name string, r io.Reader) (int64, error)
	// Open returns the contents stored under name, or an error wrapping
	// os.ErrNotExist.
	Open(ctx context.Context, name string) (Content, error)
	// Remove deletes name; a missing name is not an error.
	Remove(ctx context.Context, name string) error
}

// Content is a stored file, seekable for range requests.
type Content interface {
	io.ReadSeekCloser
	ModTime() time.Time
}

// dirFiles keeps files in a directory of the local file system.
type dirFiles struct{ dir string }

func newDirFiles(dir string) (*dirFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating upload directory %q: %w", dir, err)
	}
	return &dirFiles{dir: dir}, nil
}

func (d *dirFiles) Write(_ context.Context, name string, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(d.dir, ".put-*")
	if err != nil {
		return 0, fmt.Errorf("creating a file in %q: %w", d.dir, err)
	}
	n, err := io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d.dir, name))
	}
	if err != nil {
		return n, errors.Join(err, os.Remove(tmp.Name()))
	}
	return n, nil
}

func (d *dirFiles) Open(_ context.Context, name string) (Content, error) {
	f, err := os.Open(filepath.Join(d.dir, name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return osContent{File: f, mod: st.ModTime()}, nil
}

func (d *dirFiles) Remove(_ context.Context, name string) error {
	if err := os.Remove(filepath.Join(d.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

type osContent struct {
	*os.File
	mod time.Time
}

func (c osContent) ModTime() time.Time { return c.mod }
