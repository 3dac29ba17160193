package server

import (
	"errors"
	"fmt"
	"math"

	"github.com/switchboard-xmpp/switchboard/core/fdlimit"
)

// openFiles sets the open-file limit and works out how many client
// connections fit under it with limits.reserved_files kept back for the
// database, the plugins' sockets and pipes, and the listeners. It runs
// before the plugins start, so that they inherit the limit. The result
// caps the connections that every listener together holds (0: no cap).
func (s *Server) openFiles() (int, error) {
	l := s.cfg.Limits
	lim, err := fdlimit.Raise(uint64(l.MaxOpenFiles))
	if lim == (fdlimit.Limit{}) {
		if !errors.Is(err, fdlimit.ErrUnsupported) {
			s.log.Warn("cannot read the open-file limit; only limits.max_connections caps connections", "error", err)
		}
		return l.MaxConnections, nil
	}
	if err != nil {
		s.log.Warn("cannot set the open-file limit asked for; using what the system allows",
			"max_open_files", l.MaxOpenFiles, "soft", lim.Soft, "hard", lim.Hard, "error", err)
	}
	room := int64(min(lim.Soft, math.MaxInt32)) - int64(l.ReservedFiles)
	if room < 1 {
		return 0, fmt.Errorf("the open-file limit (%d) leaves no descriptor for clients after limits.reserved_files (%d): raise it (LimitNOFILE= in a systemd unit, ulimit -n in a shell) or set limits.max_open_files", lim.Soft, l.ReservedFiles)
	}
	conns := l.MaxConnections
	switch {
	case conns == 0:
		conns = int(room)
	case int64(conns) > room:
		s.log.Warn("the open-file limit is below limits.max_connections plus limits.reserved_files; fewer clients can connect",
			"open_files", lim.Soft, "max_connections", l.MaxConnections, "reserved_files", l.ReservedFiles, "connections", room)
		conns = int(room)
	}
	s.fileLimit = lim
	return conns, nil
}

// reportOpenFiles logs the limit and what the server holds before any
// client connects, once everything has started: if that is most of the
// reserve, a plugin restart or the database's next connection could find
// no descriptor once clients have taken theirs.
func (s *Server) reportOpenFiles() {
	if s.fileLimit == (fdlimit.Limit{}) {
		return // not known on this platform
	}
	l := s.cfg.Limits
	inUse, err := fdlimit.InUse()
	if err != nil {
		inUse = -1 // unknown on this platform
	}
	s.log.Info("open-file limit", "soft", s.fileLimit.Soft, "hard", s.fileLimit.Hard,
		"max_connections", s.gate.Max(), "reserved_files", l.ReservedFiles, "in_use", inUse)
	if inUse > l.ReservedFiles*3/4 {
		s.log.Warn("the server holds most of limits.reserved_files before any client connects; raise it, or storage and plugins may run out of descriptors at the connection cap",
			"in_use", inUse, "reserved_files", l.ReservedFiles)
	}
}
