package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
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

// The end-to-end tests start the binary with testbin.ChildEnv, which blanks
// every variable the server reads so that a developer's own configuration
// cannot leak into a child whose client passes its environment on. The
// names are taken from the flag registry and the credentials loader, so a
// new flag's variable cannot be forgotten there.
func TestChildEnvBlanksEveryVariableTheServerReads(t *testing.T) {
	read := map[string]bool{}
	record := func(name string) string {
		read[name] = true
		return ""
	}
	_ = serveFlags(&Env{Getenv: record, Stderr: io.Discard}, &Config{}).Parse(nil) // After reads some variables
	_, _ = meshesapi.LoadConfig(record)
	set := map[string]bool{}
	for _, kv := range testbin.ChildEnv(t.TempDir(), sandbox.Credentials{}, "") {
		name, _, _ := strings.Cut(kv, "=")
		set[name] = true
	}
	for name := range read {
		if strings.HasPrefix(name, "MESHES_") && !set[name] {
			t.Errorf("testbin.ChildEnv does not set %s, which the server reads", name)
		}
	}
}
