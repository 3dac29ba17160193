package accounts

import (
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/secure/precis"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// ErrBadPassword is returned for a password that is empty or that the PRECIS
// OpaqueString profile (RFC 8265 §4.2) rejects, such as one with control
// characters.
var ErrBadPassword = errors.New("password is empty or contains disallowed characters")

// ErrBadUsername is returned by Create for a username that is not a prepared
// JID localpart (RFC 7622 §3.3).
var ErrBadUsername = errors.New("username is not a valid prepared localpart")

var errEmptyDomain = errors.New("domain is empty")

// preparePassword applies the OpaqueString profile, so that the same password
// typed on different systems (say, in NFD and NFC) yields the same keys. SCRAM
// clients apply the equivalent SASLprep before hashing.
func preparePassword(password string) (string, error) {
	if password == "" {
		return "", ErrBadPassword
	}
	p, err := precis.OpaqueString.String(password)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadPassword, err)
	}
	return p, nil
}

// checkUsername rejects names that are not already in the form that stream
// authentication prepares them to; such an account could never log in.
func checkUsername(username string) error {
	if username == "" || len(username) > 1023 || strings.ContainsAny(username, "\"&'/:<>@") {
		return ErrBadUsername
	}
	prepared, err := precis.UsernameCaseMapped.String(username)
	if err != nil || prepared != username {
		return ErrBadUsername
	}
	return nil
}

// newCredentials derives fresh keys for both hashes, each with its own salt.
func (s *Service) newCredentials(password string) (storage.Credentials, error) {
	p, err := preparePassword(password)
	if err != nil {
		return storage.Credentials{}, err
	}
	sha1Keys, err := newKeys(sha1.New, p, s.iterations)
	if err != nil {
		return storage.Credentials{}, err
	}
	sha256Keys, err := newKeys(sha256.New, p, s.iterations)
	if err != nil {
		return storage.Credentials{}, err
	}
	return storage.Credentials{SHA1: sha1Keys, SHA256: sha256Keys}, nil
}
