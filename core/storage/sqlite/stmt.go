package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmts caches prepared statements per pool and query. Preparing a
// statement for every Get, Put and Scan was a tenth of the server's CPU
// during a login storm; database/sql re-prepares a cached statement on
// each connection of the pool the first time, then reuses it.
type stmts struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	db    *sql.DB
	query string
}

func (c *stmts) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{db, query}
	c.mu.Lock()
	st, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepared without the lock: it may wait for the writer connection,
	// and reads must not queue behind that.
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("preparing %q: %w", query, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[k]; ok {
		st.Close() // another goroutine prepared it meanwhile
		return prev, nil
	}
	if c.m == nil {
		c.m = map[stmtKey]*sql.Stmt{}
	}
	c.m[k] = st
	return st, nil
}

func (c *stmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}
