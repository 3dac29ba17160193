package mam

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// directHost runs the plugin without the wire: a Host whose storage is
// kept sorted, as an indexed database keeps it, and counts its calls. It
// measures what the plugin itself costs per query, and how many Store
// calls a query makes. What the plugin does not call is left to the nil
// embedded Host.
type directHost struct {
	sdk.Host
	mu     sync.Mutex
	stores map[string]*sortedStore
	sent   atomic.Int64
	// refuse, when set, decides whether Send refuses a stanza, as the
	// core refuses one past its limits.
	refuse func(*etree.Element) error
	last   *etree.Element // the last stanza sent
	// batches is the size of each StoreBatch, keys, values and owners.
	batches []int
}

func newDirectHost() *directHost { return &directHost{stores: map[string]*sortedStore{}} }

func (h *directHost) Store(owner string) sdk.Store {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.stores[owner]
	if s == nil {
		s = &sortedStore{data: map[string][]byte{}}
		h.stores[owner] = s
	}
	return s
}

func (h *directHost) Send(_ context.Context, el *etree.Element) error {
	if h.refuse != nil {
		if err := h.refuse(el); err != nil {
			return err
		}
	}
	h.sent.Add(1)
	h.mu.Lock()
	h.last = el
	h.mu.Unlock()
	return nil
}
func (h *directHost) Domain() string       { return "localhost" }
func (h *directHost) Logger() hclog.Logger { return hclog.NewNullLogger() }

// sortedStore keeps its keys sorted, so that a scan costs a binary search
// and the entries it returns.
type sortedStore struct {
	mu                      sync.Mutex
	keys                    []string
	data                    map[string][]byte
	gets, puts, dels, scans atomic.Int64
	unsorted                bool // bulk loading: sort before the next read
}

func (s *sortedStore) calls() string {
	return fmt.Sprintf("%d Scan, %d Get, %d Put, %d Delete", s.scans.Load(), s.gets.Load(), s.puts.Load(), s.dels.Load())
}

func (s *sortedStore) resetCalls() {
	s.gets.Store(0)
	s.puts.Store(0)
	s.dels.Store(0)
	s.scans.Store(0)
}

func (s *sortedStore) sortLocked() {
	if s.unsorted {
		slices.Sort(s.keys)
		s.unsorted = false
	}
}

func (s *sortedStore) Get(_ context.Context, key string) ([]byte, error) {
	s.gets.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	if !ok {
		return nil, fmt.Errorf("reading %q: %w", key, sdk.ErrNotFound)
	}
	return v, nil
}

func (s *sortedStore) Put(_ context.Context, key string, value []byte) error {
	s.puts.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[key]; !ok {
		s.keys = append(s.keys, key)
		s.unsorted = true
	}
	s.data[key] = slices.Clone(value)
	return nil
}

func (s *sortedStore) Delete(_ context.Context, key string) error {
	s.dels.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[key]; !ok {
		return nil
	}
	s.sortLocked()
	i := sort.SearchStrings(s.keys, key)
	s.keys = slices.Delete(s.keys, i, i+1)
	delete(s.data, key)
	return nil
}

func (s *sortedStore) Scan(_ context.Context, prefix, after string, limit int, reverse bool) ([]sdk.KV, error) {
	s.scans.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sortLocked()
	var out []sdk.KV
	take := func(k string) bool { // false once the scan is over
		if !strings.HasPrefix(k, prefix) {
			return false
		}
		out = append(out, sdk.KV{Key: k, Value: s.data[k]})
		return limit <= 0 || len(out) < limit
	}
	if !reverse {
		for i := sort.SearchStrings(s.keys, max(prefix, after)); i < len(s.keys); i++ {
			if s.keys[i] == after {
				continue
			}
			if !take(s.keys[i]) {
				break
			}
		}
		return out, nil
	}
	end := len(s.keys)
	if e, ok := prefixEnd(prefix); ok {
		end = sort.SearchStrings(s.keys, e)
	}
	if after != "" {
		end = min(end, sort.SearchStrings(s.keys, after))
	}
	for i := end - 1; i >= 0; i-- {
		if !take(s.keys[i]) {
			break
		}
	}
	return out, nil
}

// prefixEnd is the smallest string after every string with prefix.
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func (h *directHost) StoreBatch(ctx context.Context, ops []sdk.StoreOp) error {
	size := 0
	for _, op := range ops {
		size += len(op.Owner) + len(op.Key) + len(op.Value)
	}
	h.mu.Lock()
	h.batches = append(h.batches, size)
	h.mu.Unlock()
	for _, op := range ops {
		var err error
		if op.Delete {
			err = h.Store(op.Owner).Delete(ctx, op.Key)
		} else {
			err = h.Store(op.Owner).Put(ctx, op.Key, op.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SendBatch refuses the whole batch if the core would refuse one stanza,
// as the core does.
func (h *directHost) SendBatch(ctx context.Context, els []*etree.Element) error {
	if h.refuse != nil {
		for _, el := range els {
			if err := h.refuse(el); err != nil {
				return err
			}
		}
	}
	for _, el := range els {
		if err := h.Send(ctx, el); err != nil {
			return err
		}
	}
	return nil
}
