package adhoc

import (
	"context"
	"fmt"
	"strconv"
)

// registeredUsers lists the accounts of the served domain as bare JIDs,
// in byte order.
func registeredUsers(ctx context.Context, e env) ([]string, error) {
	users, err := e.host.Accounts().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the accounts: %w", err)
	}
	jids := make([]string, len(users))
	for i, u := range users {
		jids[i] = u + "@" + e.host.Domain()
	}
	return jids, nil
}

// registeredNum counts the accounts (XEP-0133 §4.13).
func registeredNum(ctx context.Context, e env, _ submission) (outcome, error) {
	users, err := registeredUsers(ctx, e)
	if err != nil {
		return outcome{}, err
	}
	return outcome{form: form("result", "Number of Registered Users", "",
		field{Var: "registeredusersnum", Type: "text-single", Label: "The number of registered users", Values: []string{strconv.Itoa(len(users))}})}, nil
}

// registeredList lists the accounts (XEP-0133 §4.18).
func registeredList(ctx context.Context, e env, in submission) (outcome, error) {
	n, err := maxItems(in)
	if err != nil {
		return outcome{}, err
	}
	users, err := registeredUsers(ctx, e)
	if err != nil {
		return outcome{}, err
	}
	return outcome{form: form("result", "List of Registered Users", "",
		field{Var: "registereduserjids", Type: "jid-multi", Label: "The list of all users", Values: firstN(users, n)})}, nil
}
