package muc

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Form types (XEP-0045 §15.5).
const (
	formRoomConfig = "http://jabber.org/protocol/muc#roomconfig"
	formRoomInfo   = "http://jabber.org/protocol/muc#roominfo"
)

// form builds a data form (XEP-0004).
type form struct{ x *etree.Element }

func newForm(typ, formType string) form {
	x := sdk.NewElement(nsData, "x")
	x.CreateAttr("type", typ)
	f := form{x}
	f.field("FORM_TYPE", "hidden", "", formType)
	return f
}

func (f form) field(name, typ, label string, values ...string) *etree.Element {
	fl := f.x.CreateElement("field")
	fl.CreateAttr("var", name)
	if typ != "" {
		fl.CreateAttr("type", typ)
	}
	if label != "" {
		fl.CreateAttr("label", label)
	}
	for _, v := range values {
		fl.CreateElement("value").SetText(v)
	}
	return fl
}

func (f form) boolean(name, label string, v bool) {
	f.field(name, "boolean", label, boolText(v))
}

func boolText(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// configForm is the owner's configuration form with the room's values.
func (r *room) configForm(maxUsers, maxHistory int) *etree.Element {
	f := newForm("form", formRoomConfig)
	f.x.CreateElement("title").SetText("Configuration of " + r.jid)
	c := r.Config
	f.field("muc#roomconfig_roomname", "text-single", "Name", c.Name)
	f.field("muc#roomconfig_roomdesc", "text-single", "Description", c.Description)
	f.boolean("muc#roomconfig_persistentroom", "Persistent (kept when empty)", c.Persistent)
	f.boolean("muc#roomconfig_publicroom", "Listed in the directory", c.Public)
	f.boolean("muc#roomconfig_membersonly", "Members only", c.MembersOnly)
	f.boolean("muc#roomconfig_moderatedroom", "Moderated (visitors have no voice)", c.Moderated)
	f.boolean("muc#roomconfig_passwordprotectedroom", "Password required", c.Password != "")
	f.field("muc#roomconfig_roomsecret", "text-private", "Password", c.Password)
	f.field("muc#roomconfig_maxusers", "text-single", "Maximum occupants (at most "+strconv.Itoa(maxUsers)+")", strconv.Itoa(c.MaxUsers))
	whois := f.field("muc#roomconfig_whois", "list-single", "Who may see real addresses", whoisValue(c.WhoisAnyone))
	for _, o := range []string{"moderators", "anyone"} {
		opt := whois.CreateElement("option")
		opt.CreateAttr("label", o)
		opt.CreateElement("value").SetText(o)
	}
	f.field("muc#roomconfig_historylength", "text-single", "Messages of history on joining (at most "+strconv.Itoa(maxHistory)+")", strconv.Itoa(c.HistoryLength))
	f.boolean("muc#roomconfig_changesubject", "Occupants may change the subject", c.ChangeSubject)
	f.boolean("muc#roomconfig_allowinvites", "Occupants may invite", c.AllowInvites)
	return f.x
}

func whoisValue(anyone bool) string {
	if anyone {
		return "anyone"
	}
	return "moderators"
}

// fieldValues reads a submitted form: the first value of each field.
func fieldValues(x *etree.Element) map[string]string {
	out := map[string]string{}
	for _, fl := range x.SelectElements("field") {
		v := ""
		if val := fl.SelectElement("value"); val != nil {
			v = val.Text()
		}
		out[fl.SelectAttrValue("var", "")] = v
	}
	return out
}

func parseBool(s string) (bool, bool) {
	switch s {
	case "1", "true":
		return true, true
	case "0", "false", "":
		return false, true
	}
	return false, false
}
