package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, ns, owner, key string) ([]byte, error) {
	var v []byte
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT value FROM kv WHERE owner = $1 AND ns = $2 AND key = $3`,
			owner, ns, []byte(key)).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return storage.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s/%s: %w", ns, owner, key, err)
	}
	return nonNil(v), nil
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, ns, owner, key string, value []byte) error {
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO kv (owner, ns, key, value) VALUES ($1, $2, $3, $4)
			ON CONFLICT (owner, ns, key) DO UPDATE SET value = excluded.value`,
			owner, ns, []byte(key), nonNil(value))
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s/%s/%s: %w", ns, owner, key, err)
	}
	return nil
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, ns, owner, key string) error {
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `DELETE FROM kv WHERE owner = $1 AND ns = $2 AND key = $3`, owner, ns, []byte(key))
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting %s/%s/%s: %w", ns, owner, key, err)
	}
	return nil
}

// Batch implements storage.Store: one transaction of two statements
// whatever the batch's size, a DELETE of the keys whose last op deletes
// them and an upsert of the rest, each taking its rows as arrays. Only the
// last op on a key decides what the key holds, so applying that alone is
// applying the batch in order; it also keeps one INSERT from meeting the
// same key twice, which ON CONFLICT DO UPDATE refuses.
func (s *Store) Batch(ctx context.Context, ns string, ops []storage.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing a batch in %s: %w", ns, err)
	}
	puts, dels := collapse(ops)
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if len(dels.owners) > 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM kv USING unnest($2::text[], $3::bytea[]) AS d(owner, key)
					WHERE kv.ns = $1 AND kv.owner = d.owner AND kv.key = d.key`,
					ns, dels.owners, dels.keys); err != nil {
					return err
				}
			}
			if len(puts.owners) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO kv (owner, ns, key, value)
					SELECT owner, $1, key, value FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS p(owner, key, value)
					ON CONFLICT (owner, ns, key) DO UPDATE SET value = excluded.value`,
					ns, puts.owners, puts.keys, puts.values); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("writing a batch of %d in %s: %w", len(ops), ns, err)
	}
	return nil
}

// rows are a batch's rows as the columns the statements take as arrays.
type rows struct {
	owners []string
	keys   [][]byte
	values [][]byte
}

// collapse keeps the last op on each key, sorted by owner and key: two
// batches then lock the rows they share in the same order, so they wait for
// each other instead of deadlocking.
func collapse(ops []storage.Op) (puts, dels rows) {
	type id struct{ owner, key string }
	last := make(map[id]int, len(ops))
	for i, op := range ops {
		last[id{op.Owner, op.Key}] = i
	}
	order := make([]int, 0, len(last))
	for i, op := range ops {
		if last[id{op.Owner, op.Key}] == i {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(ops[a].Owner, ops[b].Owner), strings.Compare(ops[a].Key, ops[b].Key))
	})
	for _, i := range order {
		op := ops[i]
		if op.Delete {
			dels.owners = append(dels.owners, op.Owner)
			dels.keys = append(dels.keys, []byte(op.Key))
			continue
		}
		puts.owners = append(puts.owners, op.Owner)
		puts.keys = append(puts.keys, []byte(op.Key))
		puts.values = append(puts.values, nonNil(op.Value))
	}
	return puts, dels
}

// Scan implements storage.Store. The prefix becomes a range on the primary
// key, so a scan reads only the rows it returns.
func (s *Store) Scan(ctx context.Context, ns, owner, prefix, after string, limit int, reverse bool) ([]storage.KV, error) {
	query, args := scanQuery(ns, owner, prefix, after, limit, reverse)
	var out []storage.KV
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out = out[:0]
		var key, value []byte
		_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
			out = append(out, storage.KV{Key: string(key), Value: nonNil(value)})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s/%s/%s: %w", ns, owner, prefix, err)
	}
	return out, nil
}

// scanQuery builds the SELECT behind Scan.
func scanQuery(ns, owner, prefix, after string, limit int, reverse bool) (string, []any) {
	var q strings.Builder
	q.WriteString(`SELECT key, value FROM kv WHERE owner = $1 AND ns = $2`)
	args := []any{owner, ns}
	for _, b := range storage.ScanBounds(prefix, after, reverse) {
		args = append(args, []byte(b.Key))
		fmt.Fprintf(&q, ` AND key %s $%d`, b.Op, len(args))
	}
	if reverse {
		q.WriteString(` ORDER BY key DESC`)
	} else {
		q.WriteString(` ORDER BY key ASC`)
	}
	if limit > 0 {
		args = append(args, limit)
		fmt.Fprintf(&q, ` LIMIT $%d`, len(args))
	}
	return q.String(), args
}
