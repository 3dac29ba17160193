package meta

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/builtins"
)

// readmeSections are the level-2 sections of every plugin README, in order
// (STYLE habit 10): a reader finds the same thing in the same place.
var readmeSections = []string{
	"Name", "Description", "Namespaces and specs", "Disco", "Configuration",
	"Data stored", "Events", "Services", "Process", "Examples",
}

func TestPluginREADMEs(t *testing.T) {
	plugins := builtins.All()
	for _, parent := range []string{"plugins", "examples/plugins"} {
		dirs, err := os.ReadDir(filepath.Join("../..", parent))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			dir := parent + "/" + d.Name()
			t.Run(dir, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join("../..", dir, "README.md"))
				if err != nil {
					t.Fatalf("every plugin has a README.md: %v", err)
				}
				got, bodies := sectionsOf(string(b))
				if !slices.Equal(got, readmeSections) {
					t.Errorf("README.md sections\n got %q\nwant %q", got, readmeSections)
				}
				if parent != "plugins" {
					return
				}
				newPlugin, ok := plugins[d.Name()]
				if !ok {
					t.Fatalf("plugins/%s is not built in: add it to builtins.All", d.Name())
				}
				desc := newPlugin().Describe()
				// Process says whether the core may stop the plugin when
				// idle, as its Description does.
				process := bodies["Process"]
				if strings.HasPrefix(strings.TrimSpace(process), "On demand") != desc.OnDemand {
					t.Errorf("Process must begin with \"On demand\" exactly when the plugin sets OnDemand (%v):\n%s", desc.OnDemand, process)
				}
				if strings.Contains(process, "when quiet") != (desc.Quiet != nil) {
					t.Errorf("Process must say \"when quiet\" exactly when the plugin sets Quiet (%v):\n%s", desc.Quiet != nil, process)
				}
				specs := bodies["Namespaces and specs"]
				for _, ns := range slices.Concat(desc.Features, desc.AccountFeatures) {
					if !strings.Contains(specs, "`"+ns+"`") {
						t.Errorf("disco feature %s is not listed (in backquotes) under Namespaces and specs", ns)
					}
				}
			})
		}
	}
}

// sectionsOf splits markdown at its "## " headings, ignoring fenced code,
// where a YAML or shell comment may start with "##". It returns the
// headings in order and the text under each.
func sectionsOf(md string) (names []string, bodies map[string]string) {
	bodies = map[string]string{}
	current, inFence := "", false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if name, ok := strings.CutPrefix(line, "## "); ok && !inFence {
			current = strings.TrimSpace(name)
			names = append(names, current)
			continue
		}
		if current != "" {
			bodies[current] += line + "\n"
		}
	}
	return names, bodies
}
