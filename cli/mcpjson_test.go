package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// mcp.json.example must stay loadable by MCP clients and name only flags
// and variables the server knows, with values it accepts.
func TestMCPJSONExample(t *testing.T) {
	data, err := os.ReadFile("../mcp.json.example")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		MCPServers map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		} `json:"mcpServers"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("mcp.json.example: %v", err)
	}
	known := knownVariables(t)
	sandbox := false
	for name, s := range doc.MCPServers {
		if !strings.HasSuffix(s.Command, "/meshes-mcp") {
			t.Errorf("%s: command %q is not a meshes-mcp binary", name, s.Command)
		}
		for k := range s.Env {
			if !slices.Contains(known, k) {
				t.Errorf("%s: unknown environment variable %s", name, k)
			}
		}
		sandbox = sandbox || slices.Contains(s.Args, "--sandbox")
		// --version parses every flag and environment twin, then exits.
		var stderr bytes.Buffer
		if code := Main(append(slices.Clone(s.Args), "--version"), nil, io.Discard, &stderr, envMap(s.Env)); code != 0 {
			t.Errorf("%s: args %v rejected: %s", name, s.Args, stderr.String())
		}
	}
	if len(doc.MCPServers) < 2 || !sandbox {
		t.Errorf("want entries for a real account and for the sandbox, got %d entries (sandbox: %v)", len(doc.MCPServers), sandbox)
	}
}
