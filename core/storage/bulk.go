package storage

import "context"

// Bulk is what `switchboard storage copy` needs of a driver beyond Store:
// everything it holds, listed, and accounts written whole. Plugins never
// see it, and the core's request paths never use it.
type Bulk interface {
	Store
	// EachAccount calls fn with every account of every domain, by domain
	// then username.
	EachAccount(ctx context.Context, fn func(Account) error) error
	// EachKV calls fn with every key/value row of every namespace, by
	// owner, namespace and key.
	EachKV(ctx context.Context, fn func(ns string, row Op) error) error
	// PutAccount creates an account or replaces it whole, its creation
	// time included.
	PutAccount(ctx context.Context, a Account) error
	// Count says how many accounts there are and how many rows each
	// namespace holds.
	Count(ctx context.Context) (Counts, error)
}

// Counts is what a store holds, as Bulk.Count reports it.
type Counts struct {
	Accounts int64
	KV       map[string]int64 // namespace → rows
}
