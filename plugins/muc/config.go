package muc

import (
	"errors"
	"fmt"
)

// Config is muc's config section. The service's domain is not here: it is
// plugins.muc.domain, conference.DOMAIN when unset.
type Config struct {
	// MaxRoomsPerUser bounds how many rooms one account may own; creating
	// one more is refused with not-allowed. Default 20.
	MaxRoomsPerUser int `json:"max_rooms_per_user"`
	// MaxOccupants bounds the occupants of one room, whatever its owner
	// configures (muc#roomconfig_maxusers); it is also a new room's
	// default. Owners and admins may enter a full room. Default 1000.
	MaxOccupants int `json:"max_occupants"`
	// MessagesPerSecond and MessageBurst rate-limit what one occupant
	// sends to a room (group chat, private messages, subject): a token
	// bucket refilled at MessagesPerSecond, holding MessageBurst. A message
	// over the limit is refused with resource-constraint (wait).
	// Defaults 5 and 10.
	MessagesPerSecond float64 `json:"messages_per_second"`
	MessageBurst      int     `json:"message_burst"`
	// HistorySize bounds the discussion history a room sends on join
	// (muc#roomconfig_historylength cannot exceed it); also a new room's
	// default. Default 50.
	HistorySize int `json:"history_size"`
	// ArchiveSize is how many messages each room keeps in storage for its
	// archive (XEP-0313 on the room's JID) and history; older ones are
	// deleted. At least HistorySize. Default 10000.
	ArchiveSize int `json:"archive_size"`
	// ArchivePageSize is how many messages one archive query returns at
	// most, and when it names no <max/>. Default 100.
	ArchivePageSize int `json:"archive_page_size"`
}

func defaultConfig() Config {
	return Config{
		MaxRoomsPerUser:   20,
		MaxOccupants:      1000,
		MessagesPerSecond: 5,
		MessageBurst:      10,
		HistorySize:       50,
		ArchiveSize:       10000,
		ArchivePageSize:   100,
	}
}

// maxArchivePage bounds archive_page_size: a page goes out in one batch.
const maxArchivePage = 1000

// Validate refuses limits that would make the service unusable.
func (c *Config) Validate() error {
	switch {
	case c.MaxRoomsPerUser < 1:
		return errors.New("max_rooms_per_user must be at least 1")
	case c.MaxOccupants < 1:
		return errors.New("max_occupants must be at least 1")
	case c.MessagesPerSecond <= 0:
		return errors.New("messages_per_second must be positive")
	case c.MessageBurst < 1:
		return errors.New("message_burst must be at least 1")
	case c.HistorySize < 0:
		return errors.New("history_size must not be negative")
	case c.ArchivePageSize < 1 || c.ArchivePageSize > maxArchivePage:
		return fmt.Errorf("archive_page_size must be between 1 and %d", maxArchivePage)
	case c.ArchiveSize < c.HistorySize:
		return fmt.Errorf("archive_size (%d) must be at least history_size (%d)", c.ArchiveSize, c.HistorySize)
	}
	return nil
}
