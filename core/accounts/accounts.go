// Package accounts manages user accounts and their credentials. Passwords are
// never stored: each one becomes SCRAM-SHA-1 and SCRAM-SHA-256 salted keys
// (RFC 5802, RFC 7677), which are all that authentication needs.
package accounts

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// MinIterations is the lowest PBKDF2 iteration count New accepts, the
// minimum RFC 7677 sets for SCRAM-SHA-256.
const MinIterations = 4096

// Service creates, changes and checks accounts in a storage.Store. It is safe
// for concurrent use.
type Service struct {
	store      storage.Store
	iterations int
}

// New returns a Service that hashes new passwords with the given PBKDF2
// iteration count, raised to MinIterations if lower.
func New(store storage.Store, iterations int) *Service {
	return &Service{store: store, iterations: max(iterations, MinIterations)}
}

// Create adds an account. username must be a prepared JID localpart. An
// existing account yields an error matching storage.ErrExists.
func (s *Service) Create(ctx context.Context, domain, username, password string) error {
	jid := storage.Owner(domain, username)
	if err := checkUsername(username); err != nil {
		return fmt.Errorf("creating account %s: %w", jid, err)
	}
	if domain == "" {
		return fmt.Errorf("creating account %s: %w", jid, errEmptyDomain)
	}
	creds, err := s.newCredentials(password)
	if err != nil {
		return fmt.Errorf("creating account %s: %w", jid, err)
	}
	a := storage.Account{Domain: domain, Username: username, Credentials: creds, Created: time.Now().UTC()}
	return s.store.CreateAccount(ctx, a)
}

// Delete removes an account and all data stored for it; an unknown account
// yields an error matching storage.ErrNotFound.
func (s *Service) Delete(ctx context.Context, domain, username string) error {
	return s.store.DeleteAccount(ctx, domain, username)
}

// SetPassword replaces an account's credentials and revokes its FAST
// tokens; an unknown account yields an error matching storage.ErrNotFound.
func (s *Service) SetPassword(ctx context.Context, domain, username, password string) error {
	creds, err := s.newCredentials(password)
	if err != nil {
		return fmt.Errorf("setting password of %s: %w", storage.Owner(domain, username), err)
	}
	if err := s.store.SetCredentials(ctx, domain, username, creds); err != nil {
		return err
	}
	return s.revokeAll(ctx, storage.Owner(domain, username))
}

// List returns the usernames of a domain in byte order.
func (s *Service) List(ctx context.Context, domain string) ([]string, error) {
	return s.store.Accounts(ctx, domain)
}

// Exists reports whether the account exists.
func (s *Service) Exists(ctx context.Context, domain, username string) (bool, error) {
	_, err := s.store.Account(ctx, domain, username)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Credentials returns the stored SCRAM keys of an account; an unknown account
// yields an error matching storage.ErrNotFound.
func (s *Service) Credentials(ctx context.Context, domain, username string) (storage.Credentials, error) {
	a, err := s.store.Account(ctx, domain, username)
	if err != nil {
		return storage.Credentials{}, err
	}
	return a.Credentials, nil
}

// VerifyPlain reports whether password is the account's password. It reports
// false, not an error, for an unknown account, after spending about the time
// a real check takes, so that neither the answer nor its timing tells an
// attacker which accounts exist.
func (s *Service) VerifyPlain(ctx context.Context, domain, username, password string) (bool, error) {
	a, err := s.store.Account(ctx, domain, username)
	if errors.Is(err, storage.ErrNotFound) {
		// Keys without a StoredKey match no password; deriving them costs
		// what a real check costs.
		_, err := verify(sha256.New, storage.SCRAMKeys{Salt: make([]byte, saltSize), Iterations: s.iterations}, password)
		return false, err
	}
	if err != nil {
		return false, err
	}
	if len(a.Credentials.SHA256.StoredKey) > 0 {
		return verify(sha256.New, a.Credentials.SHA256, password)
	}
	return s.verifyAndUpgrade(ctx, a, password)
}

// verifyAndUpgrade checks a password against the SHA-1 keys of an account
// imported without SHA-256 ones and, when it matches, gives the account
// keys for both hashes from it: the one moment the server holds the
// password.
func (s *Service) verifyAndUpgrade(ctx context.Context, a storage.Account, password string) (bool, error) {
	ok, err := verify(sha1.New, a.Credentials.SHA1, password)
	if err != nil || !ok {
		return ok, err
	}
	if err := s.SetPassword(ctx, a.Domain, a.Username, password); err != nil {
		return true, fmt.Errorf("adding SCRAM-SHA-256 keys to %s: %w", storage.Owner(a.Domain, a.Username), err)
	}
	return true, nil
}

// Import stores an account with keys made elsewhere (XEP-0227 files carry
// them): at least one hash's complete keys. An existing account is an
// error matching storage.ErrExists unless replace is set; then its keys
// are replaced.
func (s *Service) Import(ctx context.Context, a storage.Account, replace bool) error {
	jid := storage.Owner(a.Domain, a.Username)
	if err := checkUsername(a.Username); err != nil {
		return fmt.Errorf("importing account %s: %w", jid, err)
	}
	if a.Domain == "" {
		return fmt.Errorf("importing account %s: %w", jid, errEmptyDomain)
	}
	if err := checkKeys(a.Credentials); err != nil {
		return fmt.Errorf("importing account %s: %w", jid, err)
	}
	if a.Created.IsZero() {
		a.Created = time.Now().UTC()
	}
	err := s.store.CreateAccount(ctx, a)
	if errors.Is(err, storage.ErrExists) && replace {
		err = s.store.SetCredentials(ctx, a.Domain, a.Username, a.Credentials)
	}
	return err
}

// DeriveCredentials returns keys for password, as Create would store
// them: for an import that carries a password instead of keys.
func (s *Service) DeriveCredentials(password string) (storage.Credentials, error) {
	return s.newCredentials(password)
}
