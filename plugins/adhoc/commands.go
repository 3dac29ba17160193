package adhoc

import (
	"context"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// command is one ad-hoc command: its node and name as listed, who may run
// it (the admins, or every account), the form it asks to fill in (nil: it
// runs at once) and what it does with the filled-in form.
type command struct {
	node, name string
	everyone   bool
	form       func() *etree.Element
	run        func(ctx context.Context, e env, in submission) (outcome, error)
}

// env is what a command runs with.
type env struct {
	host sdk.Host
	from string // the requester's full JID
}

// outcome is what a completed command answers: notes (XEP-0050 <note/>:
// info, warn, error) and a result form.
type outcome struct {
	notes []note
	form  *etree.Element
}

type note struct{ typ, text string }

func (c *command) available(h sdk.Host) bool {
	return h != nil
}

// adminCommands are the XEP-0133 commands the server offers, in the order
// they are listed.
func adminCommands() []command {
	return []command{
		{node: NSAdmin + "#add-user", name: "Add User", form: addUserForm, run: addUser},
		{node: NSAdmin + "#delete-user", name: "Delete User", form: accountsForm("Delete User", "The accounts to delete, with all their data."), run: deleteUser},
		{node: NSAdmin + "#end-user-session", name: "End User Session",
			form: accountsForm("End User Session", "A bare JID ends every session of the account; a full JID ends that one."), run: endSession},
		{node: NSAdmin + "#change-user-password", name: "Change User Password", form: changePasswordForm, run: changePassword},
		{node: NSAdmin + "#get-registered-users-num", name: "Get Number of Registered Users", run: registeredNum},
		{node: NSAdmin + "#get-registered-users-list", name: "Get List of Registered Users",
			form: maxItemsForm("Get List of Registered Users"), run: registeredList},
		{node: NSAdmin + "#get-online-users-num", name: "Get Number of Online Users", run: onlineNum},
		{node: NSAdmin + "#get-online-users-list", name: "Get List of Online Users",
			form: maxItemsForm("Get List of Online Users"), run: onlineList},
		{node: NSAdmin + "#announce", name: "Send Announcement to Online Users", form: announceForm, run: announce},
	}
}

// badPayload is XEP-0050's answer to a form filled in wrongly.
func badPayload(text string) *stanza.Error {
	return cmdError(stanza.BadRequest, "bad-payload", text)
}

// maxItemsForm asks how long a list may be, with the choices of XEP-0133
// §4.18.
func maxItemsForm(title string) func() *etree.Element {
	return func() *etree.Element {
		return form("form", title, "How many to list at most.",
			field{Var: "max_items", Type: "list-single", Label: "Maximum number of items to show", Options: []string{"25", "50", "75", "100", "150", "200", "all"}, Values: []string{"25"}})
	}
}

// maxItems reads max_items: a count, or every one for "all" or none.
func maxItems(in submission) (int, error) {
	v := in.first("max_items")
	if v == "" || v == "all" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badPayload("max_items must be a positive number or all")
	}
	return n, nil
}

// firstN is s cut to n items; n < 0 keeps them all.
func firstN(s []string, n int) []string {
	if n >= 0 && len(s) > n {
		return s[:n]
	}
	return s
}
