package extdisco

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"
)

// credentials are time-limited TURN credentials in the scheme of the TURN
// REST API (draft-uberti-behave-turn-rest-00), which coturn checks with
// use-auth-secret: the username is the expiry in Unix seconds, a colon
// and a label; the password is the base64 of the HMAC-SHA1 of the
// username keyed with the shared secret. The TURN server recomputes the
// password from the username and refuses it once the expiry has passed,
// so nothing is stored on either side.
type credentials struct {
	username, password string
	expires            time.Time
}

func newCredentials(secret, label string, now time.Time, lifetime time.Duration) credentials {
	expires := now.Add(lifetime).Truncate(time.Second)
	username := strconv.FormatInt(expires.Unix(), 10) + ":" + label
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return credentials{
		username: username,
		password: base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		expires:  expires,
	}
}

// datetime is the XEP-0082 DateTime profile, in UTC, as XEP-0215 asks.
func datetime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
