package pep

// capsCache maps a verified XEP-0115 verification string to the nodes its
// "+notify" features name. It is shared by every account: a string stands
// for the same disco#info answer whoever shows it, so each is asked about
// once. The oldest entry goes first when it is full; a flood of made-up
// strings costs the flooder a disco round trip each and evicts nothing
// that the next real presence cannot learn again.
type capsCache struct {
	size  int
	m     map[string]map[string]bool
	order []string // insertion order, oldest first
}

func newCapsCache(size int) capsCache {
	return capsCache{size: size, m: map[string]map[string]bool{}}
}

func (c *capsCache) get(ver string) (map[string]bool, bool) {
	n, ok := c.m[ver]
	return n, ok
}

func (c *capsCache) put(ver string, notify map[string]bool) {
	if _, ok := c.m[ver]; !ok {
		c.order = append(c.order, ver)
	}
	c.m[ver] = notify
	c.resize(c.size)
}

// resize sets the bound, dropping the oldest entries beyond it.
func (c *capsCache) resize(size int) {
	c.size = size
	for len(c.order) > c.size {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}
