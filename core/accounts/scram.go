package accounts

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// saltSize is the number of random salt bytes per hash, more than the 128
// bits that NIST SP 800-132 asks for PBKDF2.
const saltSize = 16

// newKeys derives keys for password under a new random salt.
func newKeys(h func() hash.Hash, password string, iterations int) (storage.SCRAMKeys, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return storage.SCRAMKeys{}, fmt.Errorf("generating salt: %w", err)
	}
	return deriveKeys(h, password, salt, iterations)
}

// deriveKeys computes the RFC 5802 §3 values a server stores:
//
//	SaltedPassword = Hi(password, salt, i)  (PBKDF2 with HMAC-H)
//	ClientKey      = HMAC(SaltedPassword, "Client Key")
//	StoredKey      = H(ClientKey)
//	ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// password must already be prepared.
func deriveKeys(h func() hash.Hash, password string, salt []byte, iterations int) (storage.SCRAMKeys, error) {
	salted, err := pbkdf2.Key(h, password, salt, iterations, h().Size())
	if err != nil {
		return storage.SCRAMKeys{}, fmt.Errorf("deriving salted password: %w", err)
	}
	clientKey := hmacSum(h, salted, "Client Key")
	stored := h()
	stored.Write(clientKey)
	return storage.SCRAMKeys{
		Salt:       salt,
		Iterations: iterations,
		StoredKey:  stored.Sum(nil),
		ServerKey:  hmacSum(h, salted, "Server Key"),
	}, nil
}

func hmacSum(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// verify checks a plain password against stored keys of hash h by deriving
// them again with the stored salt and iteration count.
func verify(h func() hash.Hash, stored storage.SCRAMKeys, password string) (bool, error) {
	p, err := preparePassword(password)
	if err != nil {
		// No stored password can fail preparation, so this one cannot match.
		return false, nil
	}
	if stored.Iterations <= 0 || len(stored.Salt) == 0 {
		return false, errors.New("stored SCRAM keys are incomplete")
	}
	got, err := deriveKeys(h, p, stored.Salt, stored.Iterations)
	if err != nil {
		return false, err
	}
	return hmac.Equal(got.StoredKey, stored.StoredKey), nil
}

// errIncompleteKeys is an import's keys that cannot serve a login.
var errIncompleteKeys = errors.New("SCRAM keys are incomplete: each hash needs a salt, an iteration count and both keys of its size")

// checkKeys accepts credentials with complete keys for at least one hash,
// and none half there.
func checkKeys(c storage.Credentials) error {
	have := 0
	for _, k := range []struct {
		keys storage.SCRAMKeys
		size int
	}{{c.SHA1, sha1.Size}, {c.SHA256, sha256.Size}} {
		if len(k.keys.StoredKey) == 0 && len(k.keys.ServerKey) == 0 {
			continue
		}
		if len(k.keys.StoredKey) != k.size || len(k.keys.ServerKey) != k.size || len(k.keys.Salt) == 0 || k.keys.Iterations <= 0 {
			return errIncompleteKeys
		}
		have++
	}
	if have == 0 {
		return errIncompleteKeys
	}
	return nil
}
