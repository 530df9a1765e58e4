package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// linked lists the packages the server binary links, with the Go files
// `go list` would compile for each (tests excluded).
func linked(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Dir}} {{join .GoFiles \" \"}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		var files []string
		for _, f := range fields[min(2, len(fields)):] {
			files = append(files, filepath.Join(fields[1], f))
		}
		pkgs[fields[0]] = files
	}
	return pkgs
}

// assertNotLinked fails for every package the server binary links whose
// import path contains one of banned.
func assertNotLinked(t *testing.T, banned ...string) {
	t.Helper()
	for pkg := range linked(t) {
		for _, b := range banned {
			if strings.Contains(pkg, b) {
				t.Errorf("the binary links %s", pkg)
			}
		}
	}
}

// The server serves schemas generated ahead of time; reflecting them is the
// generator's job (schemas/reflectschema). Linking reflection into the
// binary would cost every start its package initialisation and the binary
// its size, for code the server never runs.
func TestBinaryLinksNoSchemaReflection(t *testing.T) {
	assertNotLinked(t, "github.com/invopop/jsonschema", "go.yaml.in/yaml", "/schemas/reflectschema")
}

// Package metrics writes the Prometheus text format itself: client_golang's
// package initialisation, with the protobuf, runtime/metrics and procfs it
// pulls in, cost every start (stdio included) about 2 million instructions
// and 6 ms of CPU for /metrics, which only the HTTP transport serves. The
// official parser stays a test-only import of the metrics tests.
func TestBinaryLinksNoPrometheusClient(t *testing.T) {
	assertNotLinked(t, "github.com/prometheus/", "google.golang.org/protobuf/", "runtime/metrics")
}

// No package of ours that the binary links compiles a regular expression
// at package initialisation: every start would pay for patterns that only
// some calls use. Patterns are compiled on first use (internal/lazyregexp).
// The test finds every call of package regexp's Compile functions, under
// whatever name a file imports it, in package-level variables and init
// functions.
func TestBinaryCompilesNoRegexpAtInit(t *testing.T) {
	fset := token.NewFileSet()
	for pkg, files := range linked(t) {
		if !strings.HasPrefix(pkg, "github.com/meshes-mcp/meshes-mcp") {
			continue
		}
		for _, file := range files {
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			regexpName := ""
			for _, imp := range f.Imports {
				if imp.Path.Value == `"regexp"` {
					regexpName = "regexp"
					if imp.Name != nil {
						regexpName = imp.Name.Name
					}
				}
			}
			if regexpName == "" {
				continue
			}
			for _, decl := range f.Decls {
				var atInit ast.Node
				switch d := decl.(type) {
				case *ast.GenDecl:
					if d.Tok == token.VAR {
						atInit = d
					}
				case *ast.FuncDecl:
					if d.Recv == nil && d.Name.Name == "init" {
						atInit = d.Body
					}
				}
				if atInit == nil {
					continue
				}
				ast.Inspect(atInit, func(n ast.Node) bool {
					if _, isFunc := n.(*ast.FuncLit); isFunc && atInit != n {
						_, inVar := decl.(*ast.GenDecl)
						return !inVar // a function value in a variable runs when called
					}
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == regexpName && strings.Contains(sel.Sel.Name, "Compile") {
							t.Errorf("%s: %s.%s runs at package initialisation; use internal/lazyregexp", fset.Position(sel.Pos()), regexpName, sel.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
}

// release and the benchmark programs (bench/...) are separate commands
// that write their results to their own stdout; in the server's stdio mode
// stdout is the protocol channel, so the server binary must never link
// them.
func TestBinaryLinksNoReleaseOrBenchmarkPrograms(t *testing.T) {
	assertNotLinked(t, "github.com/meshes-mcp/meshes-mcp/release", "github.com/meshes-mcp/meshes-mcp/bench/")
}
