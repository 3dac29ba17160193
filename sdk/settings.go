package sdk

import "sync"

// Settings holds what a plugin's last Configure gave it: the Host and the
// plugin's decoded config, replaced together under a lock, so that a
// handler running during a reload sees one Configure's pair, never the
// host of one and the config of another. The zero value is ready; before
// the first Configure, Current returns a nil Host and the zero C.
type Settings[C any] struct {
	mu   sync.RWMutex
	host Host
	cfg  C
}

// Configure decodes c's section over defaults (Config.Decode: unknown
// keys and a failing Validate refuse it) and makes the result current
// with c.Host. A refused section leaves what was current in force.
func (s *Settings[C]) Configure(c Config, defaults C) (C, error) {
	cfg := defaults
	if err := c.Decode(&cfg); err != nil {
		return cfg, err
	}
	s.Set(c.Host, cfg)
	return cfg, nil
}

// Set makes host and cfg current, for a plugin that has more to do between
// decoding its section and using it.
func (s *Settings[C]) Set(host Host, cfg C) {
	s.mu.Lock()
	s.host, s.cfg = host, cfg
	s.mu.Unlock()
}

// Current returns the Host and config of the last Configure.
func (s *Settings[C]) Current() (Host, C) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.host, s.cfg
}
