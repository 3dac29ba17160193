package adhoc

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// onlineUsers lists the accounts with at least one bound session, as
// bare JIDs in order.
func onlineUsers(ctx context.Context, e env) ([]string, error) {
	sessions, err := e.host.AllSessions(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the online sessions: %w", err)
	}
	users := make([]string, 0, len(sessions))
	for _, s := range sessions {
		users = append(users, bareOf(s.JID))
	}
	slices.Sort(users)
	return slices.Compact(users), nil
}

// onlineNum counts the online users (XEP-0133 §4.15).
func onlineNum(ctx context.Context, e env, _ submission) (outcome, error) {
	users, err := onlineUsers(ctx, e)
	if err != nil {
		return outcome{}, err
	}
	return outcome{form: form("result", "Number of Online Users", "",
		field{Var: "onlineusersnum", Type: "text-single", Label: "The number of online users", Values: []string{strconv.Itoa(len(users))}})}, nil
}

// onlineList lists the online users (XEP-0133 §4.20).
func onlineList(ctx context.Context, e env, in submission) (outcome, error) {
	n, err := maxItems(in)
	if err != nil {
		return outcome{}, err
	}
	users, err := onlineUsers(ctx, e)
	if err != nil {
		return outcome{}, err
	}
	return outcome{form: form("result", "List of Online Users", "",
		field{Var: "onlineuserjids", Type: "jid-multi", Label: "The list of all online users", Values: firstN(users, n)})}, nil
}

func announceForm() *etree.Element {
	return form("form", "Send Announcement to Online Users", "A message to every user online now.",
		field{Var: "subject", Type: "text-single", Label: "Subject"},
		field{Var: "announcement", Type: "text-multi", Label: "Announcement", Required: true},
	)
}

// announce sends a headline message from the server to every available
// session (XEP-0133 §4.23), in one batch: a session that has not sent
// presence yet is not showing messages.
func announce(ctx context.Context, e env, in submission) (outcome, error) {
	body := strings.Join(in["announcement"], "\n")
	if strings.TrimSpace(body) == "" {
		return outcome{}, badPayload("the announcement must not be empty")
	}
	subject := in.first("subject")
	sessions, err := e.host.AllSessions(ctx)
	if err != nil {
		return outcome{}, fmt.Errorf("listing the online sessions: %w", err)
	}
	var msgs []*etree.Element
	for _, s := range sessions {
		if !s.Available {
			continue
		}
		msg := sdk.NewMessage(e.host.Domain(), s.JID, "headline")
		if subject != "" {
			msg.CreateElement("subject").SetText(subject)
		}
		msg.CreateElement("body").SetText(body)
		msgs = append(msgs, msg)
	}
	if err := e.host.SendBatch(ctx, msgs); err != nil {
		return outcome{}, fmt.Errorf("sending the announcement: %w", err)
	}
	return outcome{notes: []note{{"info", fmt.Sprintf("Sent to %d sessions.", len(msgs))}}}, nil
}

// endSession ends sessions (XEP-0133 §4.5): every session of an account
// given by bare JID, the one session of a full JID.
func endSession(ctx context.Context, e env, in submission) (outcome, error) {
	values := in["accountjids"]
	if len(values) == 0 {
		return outcome{}, badPayload("no account given")
	}
	targets := make([]string, 0, len(values))
	for _, v := range values {
		j, err := jid.Parse(strings.TrimSpace(v))
		if err != nil || j.Localpart() == "" || j.Domainpart() != e.host.Domain() {
			return outcome{}, badPayload(fmt.Sprintf("%q is not a JID of an account of %s", v, e.host.Domain()))
		}
		targets = append(targets, j.String())
	}
	ender := e.host
	for _, t := range targets {
		if err := ender.EndSession(ctx, t); err != nil {
			return outcome{}, fmt.Errorf("ending the sessions of %s: %w", t, err)
		}
	}
	return outcome{notes: []note{{"info", "Ended the sessions of " + strings.Join(targets, ", ") + "."}}}, nil
}
