//go:build !(linux || darwin)

package fdlimit

// Current reports ErrUnsupported.
func Current() (Limit, error) { return Limit{}, ErrUnsupported }

// Raise reports ErrUnsupported.
func Raise(want uint64) (Limit, error) { return Limit{}, ErrUnsupported }

// InUse reports ErrUnsupported.
func InUse() (int, error) { return 0, ErrUnsupported }
