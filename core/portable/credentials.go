package portable

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// XEP-0227 §4.2.1 carries each hash's SCRAM keys as
//
//	<scram-credentials xmlns='urn:xmpp:pie:0#scram' mechanism='SCRAM-SHA-1'>
//	  <iter-count>4096</iter-count> <salt>base64</salt>
//	  <server-key>base64</server-key> <stored-key>base64</stored-key>
//	</scram-credentials>
//
// the values RFC 5802 §3 has a server store; the password itself is never
// written.

// credentialElements writes an account's keys, a hash it has none for
// left out.
func credentialElements(c storage.Credentials) []*etree.Element {
	var out []*etree.Element
	for _, k := range []struct {
		mech string
		keys storage.SCRAMKeys
	}{{"SCRAM-SHA-1", c.SHA1}, {"SCRAM-SHA-256", c.SHA256}} {
		if len(k.keys.StoredKey) == 0 {
			continue
		}
		el := etree.NewElement("scram-credentials")
		el.CreateAttr("xmlns", NSSCRAM)
		el.CreateAttr("mechanism", k.mech)
		el.CreateElement("iter-count").SetText(strconv.Itoa(k.keys.Iterations))
		el.CreateElement("salt").SetText(base64.StdEncoding.EncodeToString(k.keys.Salt))
		el.CreateElement("server-key").SetText(base64.StdEncoding.EncodeToString(k.keys.ServerKey))
		el.CreateElement("stored-key").SetText(base64.StdEncoding.EncodeToString(k.keys.StoredKey))
		out = append(out, el)
	}
	return out
}

// readCredentials reads the keys of <user/>: the first of each mechanism
// (Prosody's migrator, run twice on the same file, repeats them). Keys of
// mechanisms Switchboard does not serve are ignored.
func readCredentials(user *etree.Element) (storage.Credentials, error) {
	var c storage.Credentials
	for _, el := range user.ChildElements() {
		if el.Tag != "scram-credentials" || el.NamespaceURI() != NSSCRAM {
			continue
		}
		var dst *storage.SCRAMKeys
		switch strings.ToUpper(el.SelectAttrValue("mechanism", "")) {
		case "SCRAM-SHA-1":
			dst = &c.SHA1
		case "SCRAM-SHA-256":
			dst = &c.SHA256
		default:
			continue
		}
		if len(dst.StoredKey) > 0 {
			continue
		}
		k, err := readKeys(el)
		if err != nil {
			return storage.Credentials{}, fmt.Errorf("%s credentials: %w", el.SelectAttrValue("mechanism", ""), err)
		}
		*dst = k
	}
	return c, nil
}

func readKeys(el *etree.Element) (storage.SCRAMKeys, error) {
	var k storage.SCRAMKeys
	text := func(name string) string {
		if c := el.SelectElement(name); c != nil {
			return strings.TrimSpace(c.Text())
		}
		return ""
	}
	n, err := strconv.Atoi(text("iter-count"))
	if err != nil || n <= 0 {
		return k, fmt.Errorf("iter-count %q is not a positive number", text("iter-count"))
	}
	k.Iterations = n
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"salt", &k.Salt}, {"server-key", &k.ServerKey}, {"stored-key", &k.StoredKey}} {
		b, err := base64.StdEncoding.DecodeString(text(f.name))
		if err != nil || len(b) == 0 {
			return k, fmt.Errorf("%s is missing or not base64", f.name)
		}
		*f.dst = b
	}
	return k, nil
}

// ejabberdSCRAM reads the password attribute of ejabberd's export when its
// accounts keep SCRAM-SHA-1 keys: "scram:StoredKey,ServerKey,Salt,Iterations",
// each base64. ejabberd versions that kept the keys base64-encoded
// encode them once more there, which a stored key of the wrong size
// gives away. ok is false when pw is not in that form.
func ejabberdSCRAM(pw string) (k storage.SCRAMKeys, ok bool, err error) {
	rest, found := strings.CutPrefix(pw, "scram:")
	if !found {
		return k, false, nil
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 4 {
		return k, true, errors.New(`its "scram:" password is not StoredKey,ServerKey,Salt,Iterations`)
	}
	if k.Iterations, err = strconv.Atoi(parts[3]); err != nil || k.Iterations <= 0 {
		return k, true, fmt.Errorf(`its "scram:" password's iteration count %q is not a positive number`, parts[3])
	}
	vals := parts[:3]
	for round := 0; round < 2; round++ {
		dec := make([][]byte, 3)
		for i, v := range vals {
			if dec[i], err = base64.StdEncoding.DecodeString(v); err != nil {
				return k, true, errors.New(`its "scram:" password holds a value that is not base64`)
			}
		}
		if len(dec[0]) == sha1.Size && len(dec[1]) == sha1.Size {
			k.StoredKey, k.ServerKey, k.Salt = dec[0], dec[1], dec[2]
			return k, true, nil
		}
		vals = []string{string(dec[0]), string(dec[1]), string(dec[2])}
	}
	return k, true, errors.New(`its "scram:" password holds no SCRAM-SHA-1 keys (a SCRAM-SHA-256 server's?): set the password again after the import`)
}
