// Package fdlimit sets and reports the process's limit on open file
// descriptors (RLIMIT_NOFILE). Every client connection holds one, so this
// limit, not memory, is usually what bounds how many clients a server can
// hold.
package fdlimit

import "errors"

// Limit is a soft and a hard limit on open files. The soft limit is the
// one enforced; a process may raise it up to the hard one, and only a
// privileged process may raise the hard one.
type Limit struct {
	Soft, Hard uint64
}

// ErrUnsupported is returned where the platform has no such limit to
// read or set.
var ErrUnsupported = errors.New("the open-file limit is not supported on this platform")
