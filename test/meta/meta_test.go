// Package meta holds tests about the code base itself: the import
// boundaries of docs/ARCHITECTURE.md rule 3 and the house rules that a machine can
// check.
package meta

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/switchboard-xmpp/switchboard"

type pkg struct {
	ImportPath string
	Deps       []string
}

func listDeps(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	args := append([]string{"list", "-e", "-json=ImportPath,Deps"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestSDKAndPluginsNeverImportCore keeps rule 3: a third party builds a
// plugin with nothing but the sdk.
func TestSDKAndPluginsNeverImportCore(t *testing.T) {
	// The sdk is a module of its own: ./sdk/... would match nothing here.
	pkgs := listDeps(t, module+"/sdk/...", "./plugins/...", "./examples/...")
	sdkPkgs := 0
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, module+"/") {
			continue // "matched no packages" placeholders
		}
		if p.ImportPath == module+"/sdk" || strings.HasPrefix(p.ImportPath, module+"/sdk/") {
			sdkPkgs++
		}
		for _, d := range p.Deps {
			if d == module+"/core" || strings.HasPrefix(d, module+"/core/") {
				t.Errorf("%s imports %s: sdk, plugins and examples must not depend on the core", p.ImportPath, d)
			}
		}
	}
	if sdkPkgs == 0 {
		t.Fatal("go list found no sdk packages")
	}
}

// TestNoInitFunctions keeps wiring explicit: no package registers itself
// as a side effect of being imported.
func TestNoInitFunctions(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".pb.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" {
				t.Errorf("%s: func init() — wire things up in main and constructors instead", fset.Position(fn.Pos()))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoCatchAllPackages forbids util/common/misc packages.
func TestNoCatchAllPackages(t *testing.T) {
	for _, p := range listDeps(t, "./...") {
		base := p.ImportPath[strings.LastIndex(p.ImportPath, "/")+1:]
		switch base {
		case "util", "utils", "common", "misc", "helpers":
			t.Errorf("package %s: name packages for what they provide", p.ImportPath)
		}
	}
}

// TestPluginsShareOnlyTheirAPIs: a plugin reaches another only through the
// core (Host.Call, topics), and the types those calls carry come from the
// other plugin's small API package (plugins/roster/rosterapi), never from
// its implementation; each piece of data keeps one writer.
func TestPluginsShareOnlyTheirAPIs(t *testing.T) {
	prefix := module + "/plugins/"
	for _, p := range listDeps(t, "./plugins/...") {
		own, ok := strings.CutPrefix(p.ImportPath, prefix)
		if !ok {
			continue
		}
		own, _, _ = strings.Cut(own, "/")
		for _, d := range p.Deps {
			other, ok := strings.CutPrefix(d, prefix)
			if !ok {
				continue
			}
			name, rest, _ := strings.Cut(other, "/")
			if name != own && rest != name+"api" {
				t.Errorf("%s imports %s: a plugin uses another plugin only through its API package (%s%s/%sapi)", p.ImportPath, d, prefix, name, name)
			}
		}
	}
}
