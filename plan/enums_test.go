package plan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A typed field still compares with an untyped string literal, so c.Via == "cmq" would compile: the
// types alone do not catch a typo. TestEnumValuesAreConstants type-checks the module's non-test code and
// fails on every non-empty string literal that takes an enum type of enums.go (in a comparison, a case, an
// argument, a map key or a field), so the code names the constants and the compiler checks the spelling.
// compiler/enums_test.go holds the constants to the schema.
func TestEnumValuesAreConstants(t *testing.T) {
	pkgs, err := listModule("..")
	if err != nil {
		t.Fatal(err)
	}
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := exportImporter(fset, exports)
	checked := 0
	for _, p := range pkgs {
		if p.Module == nil || !p.Module.Main || len(p.GoFiles) == 0 {
			continue
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		findings, err := literalEnums(fset, imp, p.ImportPath, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, finding := range findings {
			t.Error(finding)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d packages of the module: the listing does not reach them", checked)
	}
}

type listedPackage struct {
	ImportPath, Dir, Export string
	GoFiles                 []string
	Module                  *struct{ Main bool }
}

// listModule lists the module's packages and their dependencies with export data (from the build cache).
func listModule(root string) ([]listedPackage, error) {
	cmd := exec.Command("go", "list", "-e", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles,Module", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

func exportImporter(fset *token.FileSet, exports map[string]string) types.Importer {
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if f := exports[path]; f != "" {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
}

// literalEnums type-checks one package and reports the string literals whose type is an enum of enums.go.
func literalEnums(fset *token.FileSet, imp types.Importer, path string, files []*ast.File) ([]string, error) {
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(path, fset, files, info); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(fset.Position(f.Pos()).Filename, filepath.Join("plan", "enums.go")) {
			continue // where the constants are declared
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || lit.Value == `""` {
				return true
			}
			named, ok := info.Types[lit].Type.(*types.Named)
			if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "github.com/ibcmc/ibcmc/plan" {
				return true
			}
			if decl := fset.Position(named.Obj().Pos()).Filename; filepath.Base(decl) != "enums.go" {
				return true
			}
			out = append(out, fmt.Sprintf("%s: %s is a plan.%s: use the constant", fset.Position(lit.Pos()), lit.Value, named.Obj().Name()))
			return true
		})
	}
	return out, nil
}

// The check sees a literal wherever it takes an enum type, and leaves plain strings and constants alone.
func TestEnumLiteralCheckSeesLiterals(t *testing.T) {
	pkgs, err := listModule("..")
	if err != nil {
		t.Fatal(err)
	}
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	const src = `package x

import "github.com/ibcmc/ibcmc/plan"

var sizes = map[plan.VMSize]int{"B2s": 10}

func f(c *plan.Population, z *plan.Zone) bool {
	switch c.Platform {
	case "macos", plan.PlatformMobile:
		return false
	}
	return c.Via == "cmq" || c.HasFeature("userPolicy") || c.Name == "laptops" || z.Kind == plan.ZoneInternet || c.Auth == ""
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := literalEnums(fset, exportImporter(fset, exports), "example.com/x", []*ast.File{f})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`x.go:5:33: "B2s" is a plan.VMSize: use the constant`,
		`x.go:9:7: "macos" is a plan.Platform: use the constant`,
		`x.go:12:18: "cmq" is a plan.Via: use the constant`,
		`x.go:12:40: "userPolicy" is a plan.Feature: use the constant`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
