package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The server serves schemas generated ahead of time; reflecting them is the
// generator's job (schemas/reflectschema). Linking reflection into the
// binary would cost every start its package initialisation and the binary
// its size, for code the server never runs.
func TestBinaryLinksNoSchemaReflection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/invopop/jsonschema", "go.yaml.in/yaml", "/schemas/reflectschema"} {
			if strings.Contains(pkg, banned) {
				t.Errorf("the binary links %s", pkg)
			}
		}
	}
}
