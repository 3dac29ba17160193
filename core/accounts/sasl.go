package accounts

import (
	"context"
	"errors"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// SASLSource returns the accounts of one domain as the sasl mechanisms need
// them. The c2s listener makes one per stream, for the domain it serves.
func (s *Service) SASLSource(domain string) sasl.CredentialSource {
	return saslSource{svc: s, domain: domain}
}

type saslSource struct {
	svc    *Service
	domain string
}

func (src saslSource) SCRAM(ctx context.Context, username string, sha256 bool) (sasl.SCRAMKeys, error) {
	c, err := src.svc.Credentials(ctx, src.domain, username)
	if errors.Is(err, storage.ErrNotFound) {
		return sasl.SCRAMKeys{}, sasl.ErrUnknownUser
	}
	if err != nil {
		return sasl.SCRAMKeys{}, err
	}
	k := c.SHA1
	if sha256 {
		k = c.SHA256
	}
	if len(k.StoredKey) == 0 {
		return sasl.SCRAMKeys{}, sasl.ErrNoKeys
	}
	return sasl.SCRAMKeys{Salt: k.Salt, Iterations: k.Iterations, StoredKey: k.StoredKey, ServerKey: k.ServerKey}, nil
}

func (src saslSource) VerifyPlain(ctx context.Context, username, password string) (bool, error) {
	return src.svc.VerifyPlain(ctx, src.domain, username, password)
}
