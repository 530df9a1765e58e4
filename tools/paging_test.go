package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func TestWindowAlwaysAdvances(t *testing.T) {
	records := []string{strings.Repeat("a", 50), strings.Repeat("b", 50), strings.Repeat("c", 50), strings.Repeat("d", 50)}
	tests := []struct {
		name     string
		offset   int
		budget   int
		wantKeep int
		wantNext int
	}{
		{"everything fits", 0, 1000, 4, -1},
		{"cut by budget", 0, 120, 2, 2},
		{"resume mid list", 2, 1000, 2, -1},
		{"one record larger than the budget still advances", 1, 10, 1, 2},
		{"offset past the end", 9, 1000, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, next := window(records, tt.offset, tt.budget)
			if len(kept) != tt.wantKeep || next != tt.wantNext {
				t.Errorf("window = %d records, next %d; want %d, %d", len(kept), next, tt.wantKeep, tt.wantNext)
			}
		})
	}
}

// Paging a long list by cursor returns every record exactly once, each
// result within the budget.
func TestPageLocalWalksEveryRecordOnce(t *testing.T) {
	var all []schemas.Workspace
	for i := range 500 {
		all = append(all, schemas.Workspace{ID: testUUID, Name: strings.Repeat("w", i%40+3)})
	}
	const budget = 4000
	cur := cursor{Tool: "list_workspaces"}
	seen := 0
	for calls := 0; ; calls++ {
		if calls > 500 {
			t.Fatal("cursor does not advance")
		}
		kept, page := pageLocal("list_workspaces", all, cur, budget)
		b, _ := json.Marshal(kept)
		if len(b) > budget+200 {
			t.Fatalf("page of %d bytes exceeds the budget", len(b))
		}
		seen += len(kept)
		if page.NextCursor == "" {
			break
		}
		if page.Notice == "" {
			t.Error("a cut list must say so")
		}
		var err error
		if cur, err = decodeCursor("list_workspaces", page.NextCursor); err != nil {
			t.Fatal(err)
		}
	}
	if seen != len(all) {
		t.Errorf("saw %d records, want %d", seen, len(all))
	}
}

func TestDecodeCursorRejectsForeignCursors(t *testing.T) {
	other := cursor{Tool: "list_rules", Offset: 3}.encode()
	for _, c := range []string{other, "not-base64!", "e30"} {
		if _, err := decodeCursor("list_workspaces", c); err == nil || !strings.Contains(err.Error(), "call without cursor") {
			t.Errorf("cursor %q accepted or unclear error: %v", c, err)
		}
	}
	// Cursors travel through list_sessions' documented cursor pattern.
	c := cursor{Tool: "list_sessions", API: "YzoyNQ", Offset: 7, Limit: 20}.encode()
	for _, r := range c {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", r) {
			t.Fatalf("cursor %q has character %q outside [A-Za-z0-9_-]", c, r)
		}
	}
	got, err := decodeCursor("list_sessions", c)
	if err != nil || got.API != "YzoyNQ" || got.Offset != 7 || got.Limit != 20 {
		t.Errorf("round trip = %+v, %v", got, err)
	}
}
