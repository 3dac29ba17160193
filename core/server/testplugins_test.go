package server

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/ping"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const nsEcho = "urn:test:echo"

// testPlugins are the plugins the test binary can run.
func testPlugins() map[string]func() sdk.Plugin {
	return map[string]func() sdk.Plugin{
		"echo":     func() sdk.Plugin { return &echo{name: "echo"} },
		"echo2":    func() sdk.Plugin { return &echo{name: "echo2"} },
		"ping":     func() sdk.Plugin { return ping.New() },
		"needy":    func() sdk.Plugin { return &needy{} },
		"caller":   func() sdk.Plugin { return &caller{} },
		"archiver": func() sdk.Plugin { return &archiver{} },
		"outsider": func() sdk.Plugin { return &outsider{} },
		"watcher":  func() sdk.Plugin { return &watcher{} },
		"greeter":  func() sdk.Plugin { return greeter{} },
		"refuser":  func() sdk.Plugin { return refuser{} },
		"featurer": func() sdk.Plugin { return &featurer{} },
		"lazy":     func() sdk.Plugin { return &lazy{} },
	}
}

const nsLazy = "urn:test:lazy"

// lazy is on demand: it keeps the sessions bound since its process
// started, and answers urn:test:lazy with one <b>JID</b> per session, its
// process id and how often the core asked whether it is quiet. While a
// request with hold='true' is the last word it is not quiet, and tells the
// requester each time it is asked (<message id='not-quiet'/>).
type lazy struct {
	mu    sync.Mutex
	host  sdk.Host
	bound []string
	hold  string // the full JID that asked it to hold; "" for none
	asked int
}

func (l *lazy) Describe() sdk.Description {
	return sdk.Description{
		Name:     "lazy",
		Version:  "1",
		OnDemand: true,
		Quiet: func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.asked++
			if l.hold != "" {
				msg := sdk.NewElement("", "message")
				msg.CreateAttr("to", l.hold)
				msg.CreateAttr("id", "not-quiet")
				go func() { _ = l.host.Send(context.Background(), msg) }() // the test waits for it
			}
			return l.hold == ""
		},
		Events: []sdk.EventHandler{{Kind: sdk.SessionBound, Handle: func(_ context.Context, ev sdk.Event) error {
			l.mu.Lock()
			l.bound = append(l.bound, ev.JID)
			l.mu.Unlock()
			return nil
		}}},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: nsLazy, To: sdk.ToServer, Handle: func(_ context.Context, req *sdk.Request) (*etree.Element, error) {
			out := etree.NewElement("q")
			out.CreateAttr("xmlns", nsLazy)
			out.CreateAttr("pid", strconv.Itoa(os.Getpid()))
			l.mu.Lock()
			if h := req.Stanza.ChildElements()[0].SelectAttr("hold"); h != nil {
				l.hold = ""
				if h.Value == "true" {
					l.hold = req.From
				}
			}
			out.CreateAttr("asked", strconv.Itoa(l.asked))
			for _, j := range l.bound {
				out.CreateElement("b").SetText(j)
			}
			l.mu.Unlock()
			return out, nil
		}}},
	}
}

func (l *lazy) Configure(_ context.Context, c sdk.Config) error {
	l.mu.Lock()
	l.host = c.Host
	l.mu.Unlock()
	return nil
}

// featurer is run as a third-party plugin that asks for stream_features
// only: it offers a post-auth feature, and on request tries to offer the
// feature it is sent (<set stage='pre|post'>FEATURE</set>), answering
// with the error it got, if any.
type featurer struct{ host sdk.Host }

func (f *featurer) Describe() sdk.Description {
	return sdk.Description{
		Name:           "featurer",
		Version:        "1",
		Capabilities:   []string{sdk.CapStreamFeatures},
		StreamFeatures: []sdk.StreamFeature{{XML: "<feat xmlns='urn:test:feat'/>", Stage: sdk.StagePostAuth}},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test:feat", To: sdk.ToServer, Handle: func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
			set := req.Stanza.ChildElements()[0]
			stage := sdk.StagePostAuth
			if set.SelectAttrValue("stage", "") == "pre" {
				stage = sdk.StagePreAuth
			}
			doc := etree.NewDocument()
			doc.SetRoot(set.ChildElements()[0].Copy())
			xml, _ := doc.WriteToString()
			out := etree.NewElement("set")
			out.CreateAttr("xmlns", "urn:test:feat")
			if err := f.host.SetStreamFeatures(ctx, []sdk.StreamFeature{{XML: xml, Stage: stage}}); err != nil {
				out.SetText(err.Error())
			}
			return out, nil
		}}},
	}
}

func (f *featurer) Configure(_ context.Context, c sdk.Config) error {
	f.host = c.Host
	return nil
}

// refuser takes presence subscription stanzas and available presence
// broadcasts, and fails every one as a plugin whose storage is down would.
type refuser struct{}

func (refuser) Describe() sdk.Description {
	fail := func(context.Context, *sdk.Request) (*etree.Element, error) {
		return nil, &stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "storage is unavailable"}
	}
	return sdk.Description{
		Name:    "refuser",
		Version: "1",
		Routes: []sdk.Route{
			{Kind: sdk.Presence, To: sdk.ToBare, Types: []string{"subscribe", "subscribed", "unsubscribe", "unsubscribed"}, Handle: fail},
			{Kind: sdk.Presence, To: sdk.Broadcast, Types: []string{"available"}, Handle: fail},
		},
	}
}

func (refuser) Configure(context.Context, sdk.Config) error { return nil }

// watcher keeps the session and account events it gets, in order, and answers
// urn:test:events with one <e>KIND JID SHOW-OR-TYPE</e> per event.
type watcher struct {
	host sdk.Host
	mu   sync.Mutex
	seen []string
}

func (w *watcher) Describe() sdk.Description {
	record := func(kind string) func(context.Context, sdk.Event) error {
		return func(_ context.Context, ev sdk.Event) error {
			detail := ""
			if ev.Stanza != nil && kind != "closed" {
				detail = ev.Stanza.SelectAttrValue("type", "available")
				if show := ev.Stanza.SelectElement("show"); show != nil {
					detail = show.Text()
				}
			}
			w.mu.Lock()
			w.seen = append(w.seen, strings.TrimSpace(kind+" "+ev.JID+" "+detail))
			w.mu.Unlock()
			return nil
		}
	}
	return sdk.Description{
		Name:    "watcher",
		Version: "1",
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionBound, Handle: record("bound")},
			{Kind: sdk.SessionAvailable, Handle: record("available")},
			{Kind: sdk.SessionPresence, Handle: record("presence")},
			{Kind: sdk.SessionClosed, Handle: record("closed")},
			{Kind: sdk.AccountCreated, Handle: record("created")},
			{Kind: sdk.AccountDeleted, Handle: record("deleted")},
		},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test:events", To: sdk.ToServer, Handle: func(context.Context, *sdk.Request) (*etree.Element, error) {
			out := etree.NewElement("events")
			out.CreateAttr("xmlns", "urn:test:events")
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, e := range w.seen {
				out.CreateElement("e").SetText(e)
			}
			return out, nil
		}}},
	}
}

func (w *watcher) Configure(_ context.Context, c sdk.Config) error {
	w.host = c.Host
	return nil
}

// outsider is run as a third-party plugin: it asks for the accounts
// capability only, lists accounts on request, and tries to speak for a
// user, which it may not.
type outsider struct{ host sdk.Host }

func (o *outsider) Describe() sdk.Description {
	return sdk.Description{
		Name:         "outsider",
		Version:      "1",
		Capabilities: []string{sdk.CapAccounts},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test:outsider", To: sdk.ToServer, Handle: func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
			if req.Stanza.ChildElements()[0].Tag == "impersonate" {
				m := sdk.NewMessage("bob@localhost", req.From, "chat")
				m.CreateAttr("id", "forged")
				return nil, o.host.Send(ctx, m)
			}
			names, err := o.host.Accounts().List(ctx)
			if err != nil {
				return nil, err
			}
			out := etree.NewElement("n")
			out.CreateAttr("xmlns", "urn:test:outsider")
			out.SetText(fmt.Sprint(len(names)))
			return out, nil
		}}},
	}
}

func (o *outsider) Configure(_ context.Context, c sdk.Config) error {
	o.host = c.Host
	return nil
}

// archiver keeps what it observes in the store and answers urn:test:archive
// with one <m owner= id= outgoing=/> per archived copy. Configured with
// {"delay": "50ms"} it takes that long over every batch: an archive that
// cannot keep up.
type archiver struct {
	host  sdk.Host
	delay time.Duration
}

func (a *archiver) Describe() sdk.Description {
	return sdk.Description{
		Name:    "archiver",
		Version: "1",
		Observe: func(ctx context.Context, b sdk.ObservedBatch) error {
			time.Sleep(a.delay)
			// One store batch for the whole batch, as mam writes it: a
			// batch of large messages is then one message of several MiB
			// each way across the plugin boundary.
			var ops []sdk.StoreOp
			for _, m := range b.Messages {
				dir := "in"
				if m.Outgoing {
					dir = "out"
				}
				ops = append(ops, sdk.StoreOp{Key: m.Owner + " " + dir + " " + m.StanzaID, Value: m.Stanza})
			}
			return a.host.StoreBatch(ctx, ops)
		},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test:archive", To: sdk.ToServer, Handle: func(ctx context.Context, _ *sdk.Request) (*etree.Element, error) {
			kvs, err := a.host.Store("").Scan(ctx, "", "", 0, false)
			if err != nil {
				return nil, err
			}
			out := etree.NewElement("archive")
			out.CreateAttr("xmlns", "urn:test:archive")
			for _, kv := range kvs {
				out.CreateElement("m").SetText(kv.Key)
			}
			return out, nil
		}}},
	}
}

func (a *archiver) Configure(_ context.Context, c sdk.Config) error {
	a.host = c.Host
	var cfg struct {
		Delay string `json:"delay"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	if cfg.Delay != "" {
		d, err := time.ParseDuration(cfg.Delay)
		if err != nil {
			return err
		}
		a.delay = d
	}
	return nil
}

// echo answers IQs in its namespace with the sender's JID, sleeps first
// when asked (to be killed or timed out mid-request; it fails if its
// context ends first) or holds the request until it is released (hold=
// NAME, released by an IQ in its :release namespace with the same hold=),
// offers a pre-auth route, a stream feature, and a method.
type echo struct {
	name      string
	host      sdk.Host
	cur, peak atomic.Int64 // requests in hand at once, and the most seen
	mu        sync.Mutex
	holds     map[string]chan struct{} // closed when released
}

func (e *echo) Describe() sdk.Description {
	return sdk.Description{
		Name:    e.name,
		Version: "1.0.0",
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: nsEcho, Types: []string{"get"}, To: sdk.ToServer, Handle: e.echo},
			{Kind: sdk.IQ, Namespace: nsEcho + ":preauth", Types: []string{"get"}, To: sdk.ToServer, PreAuth: true, Handle: e.echo},
			{Kind: sdk.IQ, Namespace: nsEcho + ":refuse", Types: []string{"get"}, To: sdk.ToServer, Handle: e.refuse},
			{Kind: sdk.IQ, Namespace: nsEcho + ":runtime", Types: []string{"get"}, To: sdk.ToServer, Handle: e.runtime},
			{Kind: sdk.IQ, Namespace: nsEcho + ":peak", Types: []string{"get"}, To: sdk.ToServer, Handle: e.peakRequests},
			{Kind: sdk.IQ, Namespace: nsEcho + ":release", Types: []string{"get"}, To: sdk.ToServer, Handle: e.release},
			{Kind: sdk.IQ, Namespace: nsEcho + ":inhand", Types: []string{"get"}, To: sdk.ToServer, Handle: e.inHand},
			{Kind: sdk.IQ, Namespace: nsEcho + ":panic", Types: []string{"get"}, To: sdk.ToServer, Handle: func(context.Context, *sdk.Request) (*etree.Element, error) {
				panic("echo was asked to panic")
			}},
			{Kind: sdk.IQ, Namespace: nsEcho + ":print", Types: []string{"get"}, To: sdk.ToServer, Handle: func(context.Context, *sdk.Request) (*etree.Element, error) {
				fmt.Println("echo wrote this to its stdout")
				fmt.Fprintln(os.Stderr, "echo wrote this to its stderr")
				return nil, nil
			}},
			{Kind: sdk.IQ, Namespace: nsEcho + ":secure", Types: []string{"get"}, To: sdk.ToServer, Handle: func(_ context.Context, req *sdk.Request) (*etree.Element, error) {
				out := etree.NewElement("echo")
				out.CreateAttr("xmlns", nsEcho+":secure")
				out.SetText(strconv.FormatBool(req.Secure))
				return out, nil
			}},
			// An element whose name etree writes as it is: not XML.
			{Kind: sdk.IQ, Namespace: nsEcho + ":malformed", Types: []string{"get"}, To: sdk.ToServer, Handle: func(context.Context, *sdk.Request) (*etree.Element, error) {
				return etree.NewElement("not < xml"), nil
			}},
		},
		Features:       []string{nsEcho},
		StreamFeatures: []sdk.StreamFeature{{XML: "<echo xmlns='" + nsEcho + "'/>", Stage: sdk.StagePostAuth}},
		Provides: []sdk.Method{{Name: "greet", Handle: func(_ context.Context, caller string, payload []byte) ([]byte, error) {
			return []byte("hello " + caller + ": " + string(payload)), nil
		}}},
	}
}

func (e *echo) Configure(ctx context.Context, c sdk.Config) error {
	e.host = c.Host
	var cfg struct {
		Feature bool `json:"feature"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	var fs []sdk.StreamFeature
	if cfg.Feature {
		fs = append(fs, sdk.StreamFeature{XML: "<dyn xmlns='urn:test:dyn'/>", Stage: sdk.StagePreAuth})
	}
	return c.Host.SetStreamFeatures(ctx, fs)
}

func (e *echo) echo(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	n := e.cur.Add(1)
	defer e.cur.Add(-1)
	for p := e.peak.Load(); n > p && !e.peak.CompareAndSwap(p, n); p = e.peak.Load() {
	}
	q := req.Stanza.ChildElements()[0]
	if name := q.SelectAttrValue("hold", ""); name != "" {
		select {
		case <-e.hold(name):
		case <-ctx.Done():
			return nil, fmt.Errorf("echo gave up holding %s: %w", name, ctx.Err())
		}
	}
	if d := q.SelectAttrValue("sleep", ""); d != "" {
		dur, _ := time.ParseDuration(d)
		select {
		case <-time.After(dur):
		case <-ctx.Done():
			// As a real plugin stops work it was given up on; answering
			// a result here would race the core's own timeout.
			return nil, fmt.Errorf("echo gave up sleeping: %w", ctx.Err())
		}
	}
	out := etree.NewElement("echo")
	out.CreateAttr("xmlns", q.NamespaceURI())
	out.SetText(req.From)
	return out, nil
}

// hold returns the channel that releasing name closes.
func (e *echo) hold(name string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.holds == nil {
		e.holds = map[string]chan struct{}{}
	}
	ch, ok := e.holds[name]
	if !ok {
		ch = make(chan struct{})
		e.holds[name] = ch
	}
	return ch
}

// release lets the requests held under its hold= go on, now and later.
func (e *echo) release(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	name := req.Stanza.ChildElements()[0].SelectAttrValue("hold", "")
	ch := e.hold(name)
	e.mu.Lock()
	select {
	case <-ch:
	default:
		close(ch)
	}
	e.mu.Unlock()
	out := etree.NewElement("echo")
	out.CreateAttr("xmlns", nsEcho+":release")
	out.SetText(name)
	return out, nil
}

// peakRequests answers with the most echo requests it had in hand at once.
func (e *echo) peakRequests(context.Context, *sdk.Request) (*etree.Element, error) {
	out := etree.NewElement("echo")
	out.CreateAttr("xmlns", nsEcho+":peak")
	out.SetText(strconv.FormatInt(e.peak.Load(), 10))
	return out, nil
}

// inHand answers with the echo requests it has in hand now.
func (e *echo) inHand(context.Context, *sdk.Request) (*etree.Element, error) {
	out := etree.NewElement("echo")
	out.CreateAttr("xmlns", nsEcho+":inhand")
	out.SetText(strconv.FormatInt(e.cur.Load(), 10))
	return out, nil
}

// runtime answers with the plugin process's GOGC, GOMAXPROCS and when it
// returns its free heap.
func (e *echo) runtime(context.Context, *sdk.Request) (*etree.Element, error) {
	out := etree.NewElement("echo")
	out.CreateAttr("xmlns", nsEcho+":runtime")
	out.SetText(fmt.Sprintf("GOGC=%s procs=%d release=%s", os.Getenv("GOGC"), runtime.GOMAXPROCS(0), os.Getenv(pluginv1.ReleaseAfterEnv)))
	return out, nil
}

func (e *echo) refuse(context.Context, *sdk.Request) (*etree.Element, error) {
	return nil, stanza.Errorf(stanza.Forbidden, "echo refuses")
}

// needy requires a method nobody provides.
type needy struct{}

func (needy) Describe() sdk.Description {
	return sdk.Description{Name: "needy", Version: "1", Requires: []string{"nobody.method"}}
}
func (needy) Configure(context.Context, sdk.Config) error { return nil }

// greeter only provides a greet method, and no routes.
type greeter struct{}

func (greeter) Describe() sdk.Description {
	return sdk.Description{Name: "greeter", Version: "1", Provides: []sdk.Method{{Name: "greet", Handle: func(_ context.Context, caller string, payload []byte) ([]byte, error) {
		return []byte("greetings " + caller + ": " + string(payload)), nil
	}}}}
}

func (greeter) Configure(context.Context, sdk.Config) error { return nil }

// caller answers urn:test:call by calling echo's greet, which it
// requires, or the greet of the plugin named in the 'plugin' attribute,
// which it only uses ("*.greet").
type caller struct{ host sdk.Host }

func (c *caller) Describe() sdk.Description {
	return sdk.Description{
		Name:     "caller",
		Version:  "1",
		Requires: []string{"echo.greet"},
		Uses:     []string{"*.greet"},
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test:call", To: sdk.ToServer, Handle: func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
			plugin := req.Stanza.ChildElements()[0].SelectAttrValue("plugin", "echo")
			b, err := c.host.Call(ctx, plugin, "greet", []byte("hi"))
			if err != nil {
				return nil, err
			}
			out := etree.NewElement("call")
			out.CreateAttr("xmlns", "urn:test:call")
			out.SetText(string(b))
			return out, nil
		}}},
	}
}

func (c *caller) Configure(_ context.Context, cfg sdk.Config) error {
	c.host = cfg.Host
	return nil
}
