package loadgen

import "testing"

func TestRingIsMutualAndComplete(t *testing.T) {
	for _, g := range []ring{{users: 5, contacts: 2}, {users: 21, contacts: 20}, {users: 500, contacts: 20}} {
		for i := 1; i <= g.users; i++ {
			seen := map[int]bool{}
			for k := range g.contacts {
				j := g.contact(i, k)
				if j < 1 || j > g.users || j == i || seen[j] {
					t.Fatalf("%+v: contact(%d, %d) = %d: out of range, self or repeated", g, i, k, j)
				}
				seen[j] = true
				if p := g.position(i, j); p != k {
					t.Fatalf("%+v: position(%d, %d) = %d, want %d", g, i, j, p, k)
				}
				if g.position(j, i) < 0 {
					t.Fatalf("%+v: %d has %d as a contact but not the other way round", g, i, j)
				}
			}
		}
		if g.users > g.contacts+1 && g.position(1, 1+g.contacts/2+1) != -1 {
			t.Errorf("%+v: a user beyond the ring's reach counts as a contact", g)
		}
	}
}

func TestUserNumber(t *testing.T) {
	for _, tc := range []struct {
		jid  string
		want int
	}{
		{"user17@localhost/bench", 17},
		{"user3@example.net", 3},
		{"user@localhost", -1},
		{"bob1@localhost", -1},
		{"user0@localhost", -1},
		{"localhost", -1},
		{"", -1},
	} {
		if got := userNumber([]byte(tc.jid), "user"); got != tc.want {
			t.Errorf("userNumber(%q) = %d, want %d", tc.jid, got, tc.want)
		}
	}
}
