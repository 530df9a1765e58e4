package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The command line is assembled in registry.go alone: a func init() in
// this package would bring back behaviour that depends on file order.
func TestNoInitRegistration(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
				t.Errorf("%s: func init(); list flags, transports and commands in registry.go instead", fset.Position(fd.Pos()))
			}
		}
	}
}

// A subcommand listed twice, or named like a built-in, would be shadowed
// silently by lookupCommand.
func TestCommandNamesAreUnique(t *testing.T) {
	seen := map[string]bool{"serve": true, "help": true}
	for _, c := range commands {
		if seen[c.Name] {
			t.Errorf("command %q is listed twice or shadows a built-in", c.Name)
		}
		seen[c.Name] = true
	}
}
