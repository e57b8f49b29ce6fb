package provider

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// TestServedServerHidesNoOptionalInterface compares the server main.go
// serves with the framework's own server, for every optional server
// interface (ProviderServerWith*) the terraform-plugin-go in go.mod
// declares, read from its source rather than listed here: an upgrade that
// adds one the framework implements fails this test until serve.go exposes
// it too. terraform-plugin-go serves an optional RPC only when the served
// value has all of the interface's methods, so a missing one would answer
// "Not Implemented" for every call of that kind.
func TestServedServerHidesNoOptionalInterface(t *testing.T) {
	interfaces := optionalServerInterfaces(t)
	if len(interfaces) == 0 {
		t.Fatal("found no ProviderServerWith* interface in tfprotov6: the source was not read correctly")
	}
	framework := reflect.TypeOf(providerserver.NewProtocol6(New("test")())())
	served := reflect.TypeOf(NewProtocol6Server("test")())
	for name, methods := range interfaces {
		if missing := missingMethods(framework, methods); len(missing) > 0 {
			t.Logf("the framework's server does not implement tfprotov6.%s (lacks %v); not required of the served one", name, missing)
			continue
		}
		if missing := missingMethods(served, methods); len(missing) > 0 {
			t.Errorf("the served server (%s) hides tfprotov6.%s, which the framework's server implements: it lacks %v. "+
				"Add the interface to frameworkServer in internal/provider/serve.go.", served, name, missing)
		}
	}
}

func missingMethods(typ reflect.Type, methods []string) []string {
	var missing []string
	for _, method := range methods {
		if _, ok := typ.MethodByName(method); !ok {
			missing = append(missing, method)
		}
	}
	return missing
}

// optionalServerInterfaces parses the tfprotov6 package of the
// terraform-plugin-go module this build uses and returns, for each
// interface named ProviderServerWith*, all its method names, those of the
// interfaces it embeds included.
func optionalServerInterfaces(t *testing.T) map[string][]string {
	t.Helper()
	dir := filepath.Join(moduleDir(t, "github.com/hashicorp/terraform-plugin-go"), "tfprotov6")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]*ast.InterfaceType{}
	fset := token.NewFileSet()
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".go") || strings.HasSuffix(entry.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, entry.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if spec, ok := n.(*ast.TypeSpec); ok {
				if iface, ok := spec.Type.(*ast.InterfaceType); ok {
					declared[spec.Name.Name] = iface
				}
			}
			return true
		})
	}
	optional := map[string][]string{}
	for name := range declared {
		if strings.HasPrefix(name, "ProviderServerWith") {
			optional[name] = interfaceMethods(t, declared, name)
		}
	}
	return optional
}

// interfaceMethods resolves embedded interfaces of the same package.
func interfaceMethods(t *testing.T, declared map[string]*ast.InterfaceType, name string) []string {
	t.Helper()
	iface, ok := declared[name]
	if !ok {
		t.Fatalf("tfprotov6 embeds %s, which it does not declare", name)
	}
	var methods []string
	for _, field := range iface.Methods.List {
		if len(field.Names) > 0 {
			for _, method := range field.Names {
				methods = append(methods, method.Name)
			}
			continue
		}
		embedded, ok := field.Type.(*ast.Ident)
		if !ok {
			t.Fatalf("tfprotov6.%s embeds %T, which this test cannot resolve", name, field.Type)
		}
		methods = append(methods, interfaceMethods(t, declared, embedded.Name)...)
	}
	slices.Sort(methods)
	return slices.Compact(methods)
}

// moduleDir is where the go command keeps the source of module path in the
// version go.mod selects.
func moduleDir(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", path).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", path, err)
	}
	var module struct{ Dir string }
	if err := json.Unmarshal(out, &module); err != nil || module.Dir == "" {
		t.Fatalf("go list -m %s gave no source directory (%v): %s", path, err, out)
	}
	return module.Dir
}
