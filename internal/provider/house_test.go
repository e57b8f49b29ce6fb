package provider

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// featurePrefixes name the files that implement one Terraform feature each.
var featurePrefixes = []string{"action_", "resource_", "data_source_", "list_", "ephemeral_"}

// TestHouseNoFeatureCallsAnotherFeature holds internal/provider to its
// layout: a feature file (action_*.go, resource_*.go, data_source_*.go,
// list_*.go, ephemeral_*.go) uses no function, method, type, variable or
// constant declared in another feature's file. What several features share
// lives in a file named for what it is (backup_wait.go, format.go,
// diagnostics_*.go...).
func TestHouseNoFeatureCallsAnotherFeature(t *testing.T) {
	found, err := crossFeatureUses(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("%d use(s) of another feature's declarations; move what is shared into a file named for what it is:\n  %s",
			len(found), strings.Join(found, "\n  "))
	}
}

// TestHouseCheckerSeesCrossFeatureUses runs the checker on a package made
// for it, so that a checker that sees nothing cannot pass the test above.
func TestHouseCheckerSeesCrossFeatureUses(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		// A feature is a file with a Metadata method; action_a_report.go
		// belongs to action_a, whose name prefixes its own.
		"action_a.go": `package p
import "context"
type aAction struct{}
type aRun struct{}
func (aAction) Metadata() {}
func (r *aRun) wait(context.Context) {}
func aHelper() int { return meter() }
const aLimit = 3`,
		"action_a_report.go": `package p
func meter() int { return aLimit }`,
		"resource_b.go": `package p
type bResource struct{}
func (bResource) Metadata() {}
func (bResource) use(r *aRun) int { r.wait(nil); return aHelper() + shared() }`,
		"shared.go": `package p
func shared() int { return aHelper() }`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	found, err := crossFeatureUses(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"resource_b.go:4: method use uses aHelper, declared in action_a.go",
		"resource_b.go:4: method use uses aRun, declared in action_a.go",
		"resource_b.go:4: method use uses wait, declared in action_a.go",
	}
	if strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Errorf("checker found\n  %s\nwant\n  %s", strings.Join(found, "\n  "), strings.Join(want, "\n  "))
	}
}

// crossFeatureUses type-checks the package in dir (its non-test files; the
// imported packages are stubs, so only the package's own names resolve)
// and lists each use, in a feature file, of a name declared in another
// feature's file, as "file:line: where uses name, declared in file".
func crossFeatureUses(dir string) ([]string, error) {
	fset := token.NewFileSet()
	files, info, pkg, err := checkPackage(fset, dir)
	if err != nil {
		return nil, err
	}
	features := featureOf(fset, files)
	var uses []houseUse
	for _, f := range files {
		from := filepath.Base(fset.Position(f.Pos()).Filename)
		if features[from] == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.Uses[id]
			if obj == nil || obj.Pkg() != pkg || !obj.Pos().IsValid() || !declaredAtTop(obj) {
				return true
			}
			if to := filepath.Base(fset.Position(obj.Pos()).Filename); features[to] != "" && features[to] != features[from] {
				line := fset.Position(id.Pos()).Line
				uses = append(uses, houseUse{file: from, line: line,
					text: fmt.Sprintf("%s:%d: %s uses %s, declared in %s", from, line, enclosing(f, id.Pos()), obj.Name(), to)})
			}
			return true
		})
	}
	return sortedUses(uses), nil
}

// houseUse is one use found, at file:line.
type houseUse struct {
	file string
	line int
	text string
}

// sortedUses is the texts of uses without repeats, by file and line.
func sortedUses(uses []houseUse) []string {
	sort.Slice(uses, func(i, j int) bool {
		a, b := uses[i], uses[j]
		return a.file < b.file || a.file == b.file && (a.line < b.line || a.line == b.line && a.text < b.text)
	})
	var found []string
	for _, u := range uses {
		if len(found) == 0 || found[len(found)-1] != u.text {
			found = append(found, u.text)
		}
	}
	return found
}

// checkPackage parses the non-test files of dir and type-checks them with
// stubbed imports, ignoring the errors that the stubs cause.
func checkPackage(fset *token.FileSet, dir string) ([]*ast.File, *types.Info, *types.Package, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, nil, err
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: stubImporter{}, Error: func(error) {}}
	pkg, _ := conf.Check("house", fset, files, info)
	if pkg == nil {
		return nil, nil, nil, fmt.Errorf("type-checking %s gave no package", dir)
	}
	return files, info, pkg, nil
}

// featureOf maps each feature file to its feature: a file that declares a
// Metadata method (what Terraform registers) is a feature of its own; any
// other feature file belongs to the feature whose file name is the longest
// prefix of its own (action_backup_download_report.go to
// action_backup_download.go), or is a feature of its own if none is.
func featureOf(fset *token.FileSet, files []*ast.File) map[string]string {
	registered := map[string]bool{}
	var all []string
	for _, f := range files {
		name := filepath.Base(fset.Position(f.Pos()).Filename)
		if !isFeatureFile(name) {
			continue
		}
		all = append(all, name)
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == "Metadata" {
				registered[name] = true
			}
		}
	}
	features := map[string]string{}
	for _, name := range all {
		stem := strings.TrimSuffix(name, ".go")
		features[name] = stem
		if registered[name] {
			continue
		}
		best := ""
		for other := range registered {
			owner := strings.TrimSuffix(other, ".go")
			if strings.HasPrefix(stem, owner+"_") && len(owner) > len(best) {
				best = owner
			}
		}
		if best != "" {
			features[name] = best
		}
	}
	return features
}

func isFeatureFile(name string) bool {
	for _, prefix := range featurePrefixes {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// declaredAtTop reports whether obj is a package-level name, a method or a
// struct field, rather than a local or a parameter.
func declaredAtTop(obj types.Object) bool {
	if obj.Parent() == obj.Pkg().Scope() {
		return true
	}
	switch o := obj.(type) {
	case *types.Func:
		return o.Signature().Recv() != nil
	case *types.Var:
		return o.IsField()
	}
	return false
}

// enclosing names the top-level declaration that holds pos.
func enclosing(f *ast.File, pos token.Pos) string {
	for _, decl := range f.Decls {
		if pos < decl.Pos() || pos >= decl.End() {
			continue
		}
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				return "method " + d.Name.Name
			}
			return "func " + d.Name.Name
		case *ast.GenDecl:
			return d.Tok.String() + " declaration"
		}
	}
	return "file"
}

// stubImporter gives every import an empty package: the house test looks
// only at the package's own names, and type-checking the imports would cost
// seconds.
type stubImporter struct{}

func (stubImporter) Import(path string) (*types.Package, error) {
	name := path[strings.LastIndex(path, "/")+1:]
	pkg := types.NewPackage(path, name)
	pkg.MarkComplete()
	return pkg, nil
}
