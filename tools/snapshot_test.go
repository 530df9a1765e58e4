package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// The snapshot is every tool definition exactly as tools/list serves it
// (without a publishable key). Any change to what a model sees shows up as
// a diff in review. UPDATE_SNAPSHOTS=1 go test ./tools/ rewrites it. The
// schemas are reflected here, not taken from schemas_gen.go, so that one
// run regenerates both; TestGeneratedSchemas ties the served ones to these.
func TestToolSnapshot(t *testing.T) {
	c := newTestCatalog(t, Options{schemaSource: reflected})
	defs := make([]mcp.Tool, 0, len(c.All()))
	for _, tool := range c.All() {
		defs = append(defs, tool.Definition)
	}
	got, err := json.MarshalIndent(defs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "tools.snapshot.json")
	if os.Getenv("UPDATE_SNAPSHOTS") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run UPDATE_SNAPSHOTS=1 go test ./tools/ to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotLines, wantLines := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
			var g, w []byte
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if !bytes.Equal(g, w) {
				t.Fatalf("tool definitions differ from %s at line %d:\n  snapshot: %s\n  now:      %s\nreview the change, then run UPDATE_SNAPSHOTS=1 go test ./tools/", path, i+1, w, g)
			}
		}
	}
}
