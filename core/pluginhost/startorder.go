package pluginhost

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// startOrder sorts plugins so that every provider is configured before the
// plugins that require it, and fails on a requirement nobody provides.
func startOrder(ins []*instance, comps map[string]Component) ([]*instance, error) {
	byName := map[string]*instance{}
	for _, in := range ins {
		byName[in.spec.Name] = in
	}
	if _, err := buildRoutes(ins); err != nil {
		return nil, err
	}
	if _, err := buildServices(ins, comps); err != nil {
		return nil, err
	}
	var order []*instance
	mark := map[*instance]int{} // 1 visiting, 2 done
	var visit func(in *instance, path []string) error
	visit = func(in *instance, path []string) error {
		switch mark[in] {
		case 1:
			return fmt.Errorf("plugins require each other in a cycle: %s", strings.Join(append(path, in.spec.Name), " -> "))
		case 2:
			return nil
		}
		mark[in] = 1
		for _, req := range in.manifestOf().GetRequires() {
			name, method, ok := strings.Cut(req, ".")
			p := byName[name]
			if !ok || p == nil || !slices.Contains(p.manifestOf().GetProvides(), method) {
				return fmt.Errorf("plugin %s requires %s, which no loaded plugin provides", in.spec.Name, req)
			}
			if err := visit(p, append(path, in.spec.Name)); err != nil {
				return err
			}
		}
		mark[in] = 2
		order = append(order, in)
		return nil
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].spec.Name < ins[j].spec.Name })
	for _, in := range ins {
		if err := visit(in, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
