package meshesapi

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docsPath is the API reference whose operation table is generated from
// Operations(); run UPDATE_DOCS=1 go test ./meshesapi -run
// TestDocsListEveryOperation to rewrite it after declaring an operation.
const docsPath = "../docs/meshes-api.md"

const (
	docsBegin = "<!-- operations:begin"
	docsEnd   = "<!-- operations:end -->"
)

func TestDocsListEveryOperation(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, docsBegin)
	end := strings.Index(doc, docsEnd)
	if start < 0 || end < start {
		t.Fatalf("%s has no %q … %q section", docsPath, docsBegin, docsEnd)
	}
	start += strings.Index(doc[start:], "\n") + 1
	want := doc[:start] + operationTable() + doc[end:]
	if want == doc {
		return
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log(docsPath + " updated")
		return
	}
	for _, op := range Operations() {
		if !strings.Contains(doc, "| `"+op.Name+"` | "+op.Method+" | `"+op.Path+"` |") {
			t.Errorf("%s does not list %s (%s %s)", docsPath, op.Name, op.Method, op.Path)
		}
	}
	t.Errorf("%s's operation table is out of date; run: UPDATE_DOCS=1 go test ./meshesapi -run TestDocsListEveryOperation", docsPath)
}

// operationTable renders Operations() as the doc's markdown table.
func operationTable() string {
	var b strings.Builder
	b.WriteString("| Operation | Method | Path (under `/api/v1`) | Base | Object | Ids it names |\n|---|---|---|---|---|---|\n")
	for _, op := range Operations() {
		base := "management"
		if op.Ingest {
			base = "ingestion"
		}
		ids := make([]string, len(op.IDs))
		for i, id := range op.IDs {
			ids[i] = fmt.Sprintf("%s (%s `%s`)", id.Kind, id.In, id.Field)
		}
		if len(ids) == 0 {
			ids = []string{"—"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s | %s |\n", op.Name, op.Method, op.Path, base, op.Kind, strings.Join(ids, ", "))
	}
	return b.String()
}
