package portable

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/text/secure/precis"

	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// ImportOptions say where and how to import.
type ImportOptions struct {
	// Domain is the served domain; a file with accounts of another host
	// is refused before anything is written.
	Domain string
	// Replace overwrites an existing account's keys and the data of every
	// plugin; otherwise an existing account is left as it is.
	Replace bool
	// DryRun reads and checks everything and writes nothing.
	DryRun bool
}

// Imported says what an import did (or, dry, would do).
type Imported struct {
	Accounts []string // bare JIDs created, or replaced
	Existing []string // bare JIDs left alone: they exist and Replace is off
	SHA1Only []string // imported without SCRAM-SHA-256 keys
	Items    map[string]int
	// Ignored counts, by "{namespace}local", the accounts with children
	// of <user/> that no plugin took.
	Ignored map[string]int
}

// Importer writes users read from files into a store.
type Importer struct {
	Store    storage.Store
	Accounts *accounts.Service
	Plugins  []Plugin
	Log      hclog.Logger
}

// Import imports users. Everything is checked before the first write: a
// user of another host, a name that is no valid localpart, credentials
// that cannot serve a login, all refuse the whole import.
func (im *Importer) Import(ctx context.Context, users []User, opts ImportOptions, progress Progress) (Imported, error) {
	res := Imported{Items: map[string]int{}, Ignored: map[string]int{}}
	plan, err := im.plan(ctx, users, opts)
	if err != nil {
		return res, err
	}
	for i, p := range plan {
		if err := im.importOne(ctx, p, opts, &res); err != nil {
			return res, err
		}
		if progress != nil {
			progress(int64(i+1), int64(len(plan)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(res.Ignored)) {
		im.Log.Warn("data not imported: no configured plugin keeps it", "element", name, "accounts", res.Ignored[name])
	}
	return res, nil
}

// importOne imports one planned user, or leaves an existing one alone.
func (im *Importer) importOne(ctx context.Context, p planned, opts ImportOptions, res *Imported) error {
	owner := storage.Owner(opts.Domain, p.username)
	if p.exists && !opts.Replace {
		res.Existing = append(res.Existing, owner)
		return nil
	}
	if err := im.importUser(ctx, p, opts, res.Items); err != nil {
		return err
	}
	res.Accounts = append(res.Accounts, owner)
	for name := range p.ignored {
		res.Ignored[name]++
	}
	if len(p.creds.SHA256.StoredKey) == 0 {
		res.SHA1Only = append(res.SHA1Only, owner)
		if !opts.DryRun {
			im.Log.Warn("account imported with SCRAM-SHA-1 keys only: SCRAM-SHA-256 logins fail until it logs in once with PLAIN "+
				"(which adds the keys) or its password is set again (switchboard user passwd)", "jid", owner)
		}
	}
	return nil
}

// planned is one user, checked and ready to write.
type planned struct {
	username string
	creds    storage.Credentials
	exists   bool
	byPlugin map[string][]*etree.Element
	ignored  map[string]int
}

// plan checks every user before anything is written.
func (im *Importer) plan(ctx context.Context, users []User, opts ImportOptions) ([]planned, error) {
	var foreign []string
	for _, u := range users {
		if u.Host != opts.Domain && !slices.Contains(foreign, u.Host) {
			foreign = append(foreign, u.Host)
		}
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("the files hold accounts of %s, and this server serves %s: import them into a server configured with that domain",
			strings.Join(foreign, ", "), opts.Domain)
	}
	owners := map[string]string{} // element name → plugin
	for _, p := range im.Plugins {
		for _, name := range p.PortableElements() {
			owners[name] = p.Name
		}
	}
	seen := map[string]bool{}
	var plan []planned
	for _, u := range users {
		p, err := im.planUser(ctx, u, owners)
		if err != nil {
			return nil, fmt.Errorf("%s: account %s@%s: %w", u.File, u.Name, u.Host, err)
		}
		if seen[p.username] {
			return nil, fmt.Errorf("%s: account %s@%s is in the files twice", u.File, p.username, u.Host)
		}
		seen[p.username] = true
		plan = append(plan, p)
	}
	return plan, nil
}

func (im *Importer) planUser(ctx context.Context, u User, owners map[string]string) (planned, error) {
	p := planned{byPlugin: map[string][]*etree.Element{}, ignored: map[string]int{}}
	name, err := precis.UsernameCaseMapped.String(u.Name)
	if err != nil {
		return p, fmt.Errorf("the name is not a valid JID localpart: %w", err)
	}
	p.username = name
	if p.creds, err = im.credentials(u.Element); err != nil {
		return p, err
	}
	p.exists, err = im.Accounts.Exists(ctx, u.Host, name)
	if err != nil {
		return p, err
	}
	for _, el := range u.Element.ChildElements() {
		if el.Tag == "scram-credentials" && el.NamespaceURI() == NSSCRAM {
			continue
		}
		ns := el.NamespaceURI()
		if ns == nsPIEOld {
			ns = NS // <offline-messages/> in an ejabberd file
		}
		kind := "{" + ns + "}" + el.Tag
		if plugin, ok := owners[kind]; ok {
			p.byPlugin[plugin] = append(p.byPlugin[plugin], el)
		} else {
			p.ignored[kind]++
		}
	}
	return p, nil
}

// credentials reads an account's keys: XEP-0227's scram-credentials, or
// ejabberd's "scram:" password attribute, or keys made from a plain
// password.
func (im *Importer) credentials(user *etree.Element) (storage.Credentials, error) {
	c, err := readCredentials(user)
	if err != nil || len(c.SHA1.StoredKey) > 0 || len(c.SHA256.StoredKey) > 0 {
		return c, err
	}
	pw := user.SelectAttrValue("password", "")
	if keys, ok, err := ejabberdSCRAM(pw); ok {
		return storage.Credentials{SHA1: keys}, err
	}
	if pw == "" {
		return c, errors.New("it has neither SCRAM-SHA-1 nor SCRAM-SHA-256 keys nor a password: nobody could log in to it")
	}
	c, err = im.Accounts.DeriveCredentials(pw)
	if err != nil {
		return c, fmt.Errorf("its password: %w", err)
	}
	return c, nil
}

// importUser writes one account, then each plugin's data. A dry run
// gives each plugin a store in memory, so that the counts are the real
// import's.
func (im *Importer) importUser(ctx context.Context, p planned, opts ImportOptions, items map[string]int) error {
	owner := storage.Owner(opts.Domain, p.username)
	if !opts.DryRun {
		a := storage.Account{Domain: opts.Domain, Username: p.username, Credentials: p.creds}
		if err := im.Accounts.Import(ctx, a, opts.Replace); err != nil {
			return err
		}
	}
	for _, plugin := range im.Plugins {
		els := p.byPlugin[plugin.Name]
		if len(els) == 0 && !p.exists {
			continue // a new account has nothing to replace
		}
		var st sdk.Store = pluginStore{store: im.Store, ns: plugin.Name, owner: owner}
		if opts.DryRun {
			st = &memoryStore{}
		}
		n, err := plugin.ImportAccount(ctx, st, owner, els)
		if err != nil {
			return fmt.Errorf("importing the %s data of %s: %w (the account exists now: run the import again with --replace to finish it)",
				plugin.Name, owner, err)
		}
		items[plugin.Name] += n
	}
	return nil
}
