// Package logfile is the server's log file (log.file): appended to, and
// reopened on request so that logrotate can move it away and have the
// server write to a new file at the same path.
package logfile

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// File is a log file that can be reopened while it is written to.
type File struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// Open opens path for appending, creating it (mode 0640: logs name
// users and their addresses) if it does not exist.
func Open(path string) (*File, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

func openFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening the log file: %w", err)
	}
	return f, nil
}

// Write appends p to the file open now.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Reopen opens the path again, for a file that was moved away (rotated)
// or deleted, and closes the old one. If the path cannot be opened the
// old file is kept, and written to, and the error returned.
func (l *File) Reopen() error {
	f, err := openFile(l.path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

// Beside returns a writer that writes to the file and then to w. A
// failed write to the file (a full disk) does not keep the line from w,
// where the operator still sees it.
func (l *File) Beside(w io.Writer) io.Writer { return beside{l, w} }

type beside struct {
	file *File
	w    io.Writer
}

func (b beside) Write(p []byte) (int, error) {
	_, ferr := b.file.Write(p)
	n, err := b.w.Write(p)
	if err == nil && ferr != nil {
		err = fmt.Errorf("writing the log file: %w", ferr)
	}
	return n, err
}

// Close closes the file.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// Path is the file's path.
func (l *File) Path() string { return l.path }
