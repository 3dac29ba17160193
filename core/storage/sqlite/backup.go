package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a copy of the database to path with VACUUM INTO: one read
// transaction, so the copy is the database as of one commit even while a
// server writes to it (WAL lets the read run beside the writer), and a
// compacted, self-contained file with no WAL beside it, which the server
// opens as it is. path must not exist (its directory is made if missing); the copy is made under a temporary
// name beside it and renamed into place only once complete, owner-only as
// the database is.
func (s *Store) Backup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("resolving backup path %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("backing up to %s: the file exists; name a new one", abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.partial")
	if err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	// On the writer connection: the readers are query_only, which SQLite
	// takes to forbid writing the new file too. VACUUM INTO only reads
	// the database itself, so the server's writer carries on meanwhile.
	if _, err := s.writer.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, mapError(err))
	}
	if err := syncFile(tmp.Name()); err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	return nil
}

// syncFile flushes a file to disk: a backup is for when the disk or the
// machine fails.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
