package meta

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// outsiderExample is the example plugin kept as a module of its own: the
// go.mod an author outside this repository would have.
const outsiderExample = "examples/plugins/motd"

// TestThirdPartyPluginBuildsWithoutTheServer builds that example the way
// docs/plugins.md (section 1) tells an author to: a module of its own, in
// a directory outside the repository, requiring the sdk through a replace
// that points at a checkout (the sdk is not published yet), with no
// workspace and with go free to fetch what go.mod lacks from the module
// proxy. The module graph must not hold the server's module.
func TestThirdPartyPluginBuildsWithoutTheServer(t *testing.T) {
	sdkDir, err := filepath.Abs("../../sdk")
	if err != nil {
		t.Fatal(err)
	}
	// The go commands read the sdk's go.mod; stat it here so that go test's
	// cache sees this test depends on it.
	if _, err := os.Stat(filepath.Join(sdkDir, "go.mod")); err != nil {
		t.Fatal(err)
	}

	t.Run("committed go.mod", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "motd")
		copyDir(t, filepath.Join("../..", outsiderExample), dir, func(string) bool { return true })
		goIn := goCommand(t, dir)
		var mod struct {
			Module  struct{ Path string }
			Require []struct{ Path string }
			Replace []struct{ Old struct{ Path string } }
		}
		if err := json.Unmarshal([]byte(goIn("mod", "edit", "-json")), &mod); err != nil {
			t.Fatalf("reading %s/go.mod: %v", outsiderExample, err)
		}
		if strings.HasPrefix(mod.Module.Path, module) {
			t.Errorf("%s is module %s: an outsider's module is not under the server's path", outsiderExample, mod.Module.Path)
		}
		for _, r := range mod.Require {
			if r.Path != module+"/sdk" && (r.Path == module || strings.HasPrefix(r.Path, module+"/")) {
				t.Errorf("%s/go.mod requires %s: a plugin needs only the sdk", outsiderExample, r.Path)
			}
		}
		for _, r := range mod.Replace {
			if r.Old.Path != module+"/sdk" {
				t.Errorf("%s/go.mod replaces %s: only the unpublished sdk may be replaced", outsiderExample, r.Old.Path)
			}
		}
		// Its replace is relative to where it lives in the repository.
		goIn("mod", "edit", "-replace", module+"/sdk="+sdkDir)
		goIn("build", "-o", filepath.Join(t.TempDir(), "motd"), ".")
		goIn("test", "./...") // the root's ./... does not reach a nested module's tests
		checkNoServerModule(t, goIn("list", "-m", "all"))
	})

	t.Run("docs/plugins.md steps", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "motd")
		copyDir(t, filepath.Join("../..", outsiderExample), dir, func(name string) bool {
			return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
		})
		goIn := goCommand(t, dir)
		goIn("mod", "init", "example.com/motd")
		goIn("mod", "edit", "-replace", module+"/sdk="+sdkDir)
		goIn("get", module+"/sdk@v0.0.0")
		goIn("mod", "tidy")
		goIn("build", "-o", filepath.Join(t.TempDir(), "motd"), ".")
		checkNoServerModule(t, goIn("list", "-m", "all"))
	})
}

// goCommand returns a runner of go commands in dir, outside any workspace
// and free to change go.mod, as an author's go is.
func goCommand(t *testing.T, dir string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in a copy of %s: %v\n%s", strings.Join(args, " "), outsiderExample, err, out)
		}
		return string(out)
	}
}

func checkNoServerModule(t *testing.T, modules string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(modules), "\n") {
		if path, _, _ := strings.Cut(line, " "); path == module {
			t.Errorf("go list -m all holds the server's module: %s", line)
		}
	}
}

// copyDir copies the regular files under src that keep says to keep to
// dst. Reading them here, rather than only in the go commands, also tells
// go test's cache that the test depends on them.
func copyDir(t *testing.T, src, dst string, keep func(name string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !keep(d.Name()) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
