package meta

import (
	"go/types"
	"os"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// apiDependencies are the only packages outside the standard library
// whose types may appear in the sdk's exported API (STYLE habit 4): an
// author sees Go, stanzas as etree elements and hclog loggers, never
// gRPC, protobuf, go-plugin or the generated wire types, which stay
// behind sdk/internal and sdk/proto where the sdk may change them.
var apiDependencies = []string{
	"github.com/beevik/etree",
	"github.com/hashicorp/go-hclog",
}

// TestSDKExportedAPIIsPlainGo type-checks every author-facing package of
// the sdk module (all but sdk/internal/... and sdk/proto/...) and fails on
// an exported function, method, type, field, variable or constant whose
// type mentions a package that is not the standard library, one of
// apiDependencies or another author-facing sdk package. A constant that
// copies a wire value is fine when its type is a plain string or integer.
func TestSDKExportedAPIIsPlainGo(t *testing.T) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes,
		Dir:  "../../sdk",
		Env:  append(os.Environ(), "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatalf("loading the sdk: %v", err)
	}
	checked := 0
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("loading %s: %v", p.PkgPath, e)
		}
		if !authorFacing(p.PkgPath) || p.Types == nil {
			continue
		}
		// go list reads them in another process; stat them here so that go
		// test's cache sees this test depends on them.
		for _, f := range p.GoFiles {
			if _, err := os.Stat(f); err != nil {
				t.Fatal(err)
			}
		}
		checked++
		c := apiChecker{t: t, seen: map[types.Type]bool{}}
		scope := p.Types.Scope()
		for _, name := range scope.Names() {
			if obj := scope.Lookup(name); obj.Exported() {
				c.object(obj)
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no author-facing sdk package to check")
	}
}

func authorFacing(pkgPath string) bool {
	sdk := module + "/sdk"
	if pkgPath != sdk && !strings.HasPrefix(pkgPath, sdk+"/") {
		return false
	}
	for _, hidden := range []string{sdk + "/internal", sdk + "/proto"} {
		if pkgPath == hidden || strings.HasPrefix(pkgPath, hidden+"/") {
			return false
		}
	}
	return true
}

func allowedInAPI(pkgPath string) bool {
	first, _, _ := strings.Cut(pkgPath, "/")
	if !strings.Contains(first, ".") {
		return true // the standard library
	}
	for _, d := range apiDependencies {
		if pkgPath == d || strings.HasPrefix(pkgPath, d+"/") {
			return true
		}
	}
	return authorFacing(pkgPath)
}

// apiChecker walks the types an exported declaration shows an author.
type apiChecker struct {
	t    *testing.T
	at   types.Object // the exported declaration being checked
	seen map[types.Type]bool
}

func (c *apiChecker) object(obj types.Object) {
	c.at = obj
	switch obj := obj.(type) {
	case *types.TypeName:
		if obj.IsAlias() {
			c.typ(obj.Type())
			return
		}
		c.named(obj.Type())
	default: // funcs, vars, consts
		c.typ(obj.Type())
	}
}

// named checks what a defined type shows: its underlying type (only the
// exported fields of a struct) and its exported methods, promoted ones
// included.
func (c *apiChecker) named(typ types.Type) {
	if c.seen[typ] {
		return
	}
	c.seen[typ] = true
	if st, ok := typ.Underlying().(*types.Struct); ok {
		c.fields(st)
	} else {
		c.typ(typ.Underlying())
	}
	// The pointer's method set holds the value's; an interface's methods
	// were checked with its underlying type.
	ms := types.NewMethodSet(types.NewPointer(typ))
	for i := range ms.Len() {
		if m := ms.At(i).Obj(); m.Exported() {
			c.typ(m.Type())
		}
	}
}

func (c *apiChecker) fields(st *types.Struct) {
	for i := range st.NumFields() {
		if f := st.Field(i); f.Exported() {
			c.typ(f.Type())
		}
	}
}

func (c *apiChecker) typ(typ types.Type) {
	switch typ := types.Unalias(typ).(type) {
	case *types.Named:
		obj := typ.Obj()
		if obj.Pkg() != nil && !allowedInAPI(obj.Pkg().Path()) {
			c.t.Errorf("%s shows %s.%s: the sdk's API speaks Go, etree and hclog only; keep wire types behind sdk/internal",
				c.where(), obj.Pkg().Path(), obj.Name())
			return
		}
		for i := range typ.TypeArgs().Len() {
			c.typ(typ.TypeArgs().At(i))
		}
		// An unexported sdk type reaches the author through this one, so
		// what it shows counts; an exported one is checked on its own.
		if obj.Pkg() != nil && !obj.Exported() {
			c.named(typ)
		}
	case *types.Pointer:
		c.typ(typ.Elem())
	case *types.Slice:
		c.typ(typ.Elem())
	case *types.Array:
		c.typ(typ.Elem())
	case *types.Chan:
		c.typ(typ.Elem())
	case *types.Map:
		c.typ(typ.Key())
		c.typ(typ.Elem())
	case *types.Signature:
		c.tuple(typ.Params())
		c.tuple(typ.Results())
		for i := range typ.TypeParams().Len() {
			c.typ(typ.TypeParams().At(i).Constraint())
		}
	case *types.Struct:
		c.fields(typ)
	case *types.Interface:
		for i := range typ.NumMethods() {
			c.typ(typ.Method(i).Type())
		}
		for i := range typ.NumEmbeddeds() {
			c.typ(typ.EmbeddedType(i))
		}
	case *types.TypeParam:
		c.typ(typ.Constraint())
	}
}

func (c *apiChecker) tuple(tup *types.Tuple) {
	for i := range tup.Len() {
		c.typ(tup.At(i).Type())
	}
}

func (c *apiChecker) where() string {
	if c.at.Pkg() == nil {
		return c.at.Name()
	}
	return c.at.Pkg().Path() + "." + c.at.Name()
}
