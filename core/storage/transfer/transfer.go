// Package transfer copies everything one store holds into another: the
// accounts with their SCRAM keys and every plugin's data, the archive
// included. It is what `switchboard storage copy` runs to move a server
// from SQLite to PostgreSQL or back.
package transfer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// batchRows is how many rows of one namespace go into the destination in
// one transaction: few enough to keep a transaction short, enough that
// the copy does not pay a commit per row.
const batchRows = 1000

// Progress is told how far the copy has got: done of total rows,
// accounts and data together.
type Progress func(done, total int64)

// Copy writes every account and every row of from into to, replacing
// what to holds under the same names, and then checks that both hold as
// many accounts, and as many rows in each namespace. Rerunning it (after
// a failure halfway, say) finishes the copy; a destination that held
// other data beforehand fails the check, naming where the counts differ.
// The source should not change meanwhile: copy a stopped server's store.
func Copy(ctx context.Context, from, to storage.Bulk, progress Progress) (storage.Counts, error) {
	want, err := from.Count(ctx)
	if err != nil {
		return want, fmt.Errorf("counting the source: %w", err)
	}
	total := want.Accounts
	for _, n := range want.KV {
		total += n
	}
	p := &reporter{total: total, report: progress}
	err = from.EachAccount(ctx, func(a storage.Account) error {
		if err := to.PutAccount(ctx, a); err != nil {
			return err
		}
		p.add(1)
		return nil
	})
	if err != nil {
		return want, fmt.Errorf("copying accounts: %w", err)
	}
	w := &writer{to: to, p: p}
	if err := from.EachKV(ctx, w.add(ctx)); err != nil {
		return want, fmt.Errorf("copying data: %w", err)
	}
	if err := w.flush(ctx); err != nil {
		return want, fmt.Errorf("copying data: %w", err)
	}
	p.finish()
	got, err := to.Count(ctx)
	if err != nil {
		return want, fmt.Errorf("counting the copy: %w", err)
	}
	if diff := compare(want, got); diff != "" {
		return want, fmt.Errorf("the copy does not hold what the source does: %s", diff)
	}
	return want, nil
}

// writer gathers rows of one namespace into batches.
type writer struct {
	to  storage.Bulk
	p   *reporter
	ns  string
	ops []storage.Op
}

func (w *writer) add(ctx context.Context) func(string, storage.Op) error {
	return func(ns string, op storage.Op) error {
		if ns != w.ns || len(w.ops) >= batchRows {
			if err := w.flush(ctx); err != nil {
				return err
			}
			w.ns = ns
		}
		w.ops = append(w.ops, op)
		return nil
	}
}

func (w *writer) flush(ctx context.Context) error {
	if len(w.ops) == 0 {
		return nil
	}
	if err := w.to.Batch(ctx, w.ns, w.ops); err != nil {
		return err
	}
	w.p.add(int64(len(w.ops)))
	w.ops = w.ops[:0]
	return nil
}

// compare describes where two counts differ; "" when they agree.
func compare(want, got storage.Counts) string {
	var diffs []string
	if want.Accounts != got.Accounts {
		diffs = append(diffs, fmt.Sprintf("%d accounts in the source, %d in the copy", want.Accounts, got.Accounts))
	}
	names := slices.Sorted(maps.Keys(want.KV))
	for ns := range got.KV {
		if _, ok := want.KV[ns]; !ok {
			names = append(names, ns)
		}
	}
	for _, ns := range names {
		if want.KV[ns] != got.KV[ns] {
			diffs = append(diffs, fmt.Sprintf("namespace %q: %d rows in the source, %d in the copy", ns, want.KV[ns], got.KV[ns]))
		}
	}
	return strings.Join(diffs, "; ")
}

// reporter calls Progress at most every progressEvery, and at the end.
type reporter struct {
	total, done int64
	last        time.Time
	report      Progress
}

const progressEvery = 500 * time.Millisecond

func (r *reporter) add(n int64) {
	r.done += n
	if r.report != nil && time.Since(r.last) >= progressEvery {
		r.last = time.Now()
		r.report(r.done, r.total)
	}
}

func (r *reporter) finish() {
	if r.report != nil {
		r.report(r.done, r.total)
	}
}
