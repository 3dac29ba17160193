package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

const (
	putKV = `INSERT INTO kv (ns, owner, key, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (owner, ns, key) DO UPDATE SET value = excluded.value`
	deleteKV = `DELETE FROM kv WHERE ns = ? AND owner = ? AND key = ?`
)

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, ns, owner, key string) ([]byte, error) {
	var v []byte
	st, err := s.stmts.get(ctx, s.reader, `SELECT value FROM kv WHERE ns = ? AND owner = ? AND key = ?`)
	if err != nil {
		return nil, err
	}
	err = st.QueryRowContext(ctx, ns, owner, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading %s/%s/%s: %w", ns, owner, key, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s/%s: %w", ns, owner, key, err)
	}
	return nonNil(v), nil
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, ns, owner, key string, value []byte) error {
	st, err := s.stmts.get(ctx, s.writer, putKV)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, ns, owner, key, nonNil(value)); err != nil {
		return fmt.Errorf("writing %s/%s/%s: %w", ns, owner, key, mapError(err))
	}
	return nil
}

// Batch implements storage.Store: one transaction, so a plugin that writes
// an archive batch or an index beside its data pays for one commit.
func (s *Store) Batch(ctx context.Context, ns string, ops []storage.Op) error {
	if len(ops) == 0 {
		return nil
	}
	// Prepared before the transaction: the writer pool has one connection,
	// which the transaction then holds.
	putStmt, err := s.stmts.get(ctx, s.writer, putKV)
	if err != nil {
		return err
	}
	delStmt, err := s.stmts.get(ctx, s.writer, deleteKV)
	if err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing a batch in %s: %w", ns, err)
	}
	defer tx.Rollback()
	// The statements run without ctx's cancellation, which the driver
	// watches with a goroutine per statement: 7% of the core's CPU while
	// the archive wrote batches of thousands of rows. The loop checks ctx
	// itself, and a cancelled batch is rolled back whole. (Several rows
	// per INSERT, tried too, was slower: BenchmarkArchiveBatch 27 µs a
	// copy with 8 rows a statement against 16 µs with one.)
	run := context.WithoutCancel(ctx)
	put, del := tx.StmtContext(run, putStmt), tx.StmtContext(run, delStmt)
	for _, op := range ops {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("writing a batch in %s: %w", ns, err)
		}
		if op.Delete {
			_, err = del.ExecContext(run, ns, op.Owner, op.Key)
		} else {
			_, err = put.ExecContext(run, ns, op.Owner, op.Key, nonNil(op.Value))
		}
		if err != nil {
			return fmt.Errorf("writing %s/%s/%s in a batch: %w", ns, op.Owner, op.Key, mapError(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing a batch in %s: %w", ns, mapError(err))
	}
	return nil
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, ns, owner, key string) error {
	st, err := s.stmts.get(ctx, s.writer, deleteKV)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, ns, owner, key); err != nil {
		return fmt.Errorf("deleting %s/%s/%s: %w", ns, owner, key, err)
	}
	return nil
}

// Scan implements storage.Store. The prefix becomes a range on the primary
// key (TEXT compares with memcmp under SQLite's default BINARY collation,
// which is byte order), so a scan reads only the rows it returns.
func (s *Store) Scan(ctx context.Context, ns, owner, prefix, after string, limit int, reverse bool) ([]storage.KV, error) {
	query, args := scanQuery(ns, owner, prefix, after, limit, reverse)
	st, err := s.stmts.get(ctx, s.reader, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("scanning %s/%s/%s: %w", ns, owner, prefix, err)
	}
	defer rows.Close()
	var out []storage.KV
	for rows.Next() {
		var kv storage.KV
		if err := rows.Scan(&kv.Key, &kv.Value); err != nil {
			return nil, fmt.Errorf("scanning %s/%s/%s: %w", ns, owner, prefix, err)
		}
		kv.Value = nonNil(kv.Value)
		out = append(out, kv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scanning %s/%s/%s: %w", ns, owner, prefix, err)
	}
	return out, nil
}

// scanQuery builds the SELECT behind Scan.
func scanQuery(ns, owner, prefix, after string, limit int, reverse bool) (string, []any) {
	var q strings.Builder
	q.WriteString(`SELECT key, value FROM kv WHERE ns = ? AND owner = ?`)
	args := []any{ns, owner}
	for _, b := range storage.ScanBounds(prefix, after, reverse) {
		q.WriteString(` AND key ` + b.Op + ` ?`)
		args = append(args, b.Key)
	}
	if reverse {
		q.WriteString(` ORDER BY key DESC`)
	} else {
		q.WriteString(` ORDER BY key ASC`)
	}
	if limit > 0 {
		q.WriteString(` LIMIT ?`)
		args = append(args, limit)
	}
	return q.String(), args
}
