package loadgen

import "testing"

// TestNodeOf: against a cluster the users are spread evenly over the
// nodes, and half the message pairs cross between two nodes while the
// others stay on one; against one server every user is on it.
func TestNodeOf(t *testing.T) {
	c := Default()
	for n := 1; n <= 8; n++ {
		if got := c.nodeOf(n); got != 0 {
			t.Fatalf("one server: user %d on node %d", n, got)
		}
	}
	c.NodeAddrs = []string{"127.0.0.1:6222"}
	const users = 400
	per := map[int]int{}
	cross := 0
	for p := range users / 2 {
		a, b := c.nodeOf(2*p+1), c.nodeOf(2*p+2)
		per[a]++
		per[b]++
		if (a != b) != crossPair(p) {
			t.Errorf("pair %d on nodes %d and %d, crossing %v", p, a, b, crossPair(p))
		}
		if a != b {
			cross++
		}
	}
	if per[0] != users/2 || per[1] != users/2 {
		t.Errorf("users per node %v, want %d each", per, users/2)
	}
	if cross != users/4 {
		t.Errorf("%d pairs cross, want %d", cross, users/4)
	}
}

// TestFirstUser: --first-user shifts the accounts a run uses, so that a
// cold login can take accounts no earlier scenario touched.
func TestFirstUser(t *testing.T) {
	c := Default()
	c.FirstUser = 2001
	if a := c.account(1); a.User != "user2001" {
		t.Errorf("user 1 of the run is %s, want user2001", a.User)
	}
	if err := c.Validate("login"); err != nil {
		t.Error(err)
	}
	c.FirstUser = 0
	if c.Validate("login") == nil {
		t.Error("--first-user 0 accepted")
	}
}
