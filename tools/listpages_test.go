package tools

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// pagedConnections serves `total` connections 20 at a time, as Meshes'
// fixtures show for org-level lists, with the offset as the cursor.
type pagedConnections struct{ total int }

func (p pagedConnections) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/connections" {
		http.NotFound(w, r)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	to := min(from+20, p.total)
	var records []map[string]any
	for i := from; i < to; i++ {
		records = append(records, map[string]any{"id": eventID(i), "workspace": wsA, "type": "webhook",
			"name": fmt.Sprintf("hook %d", i), "metadata": map[string]any{}, "created_by": "t",
			"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
	}
	var next any
	if to < p.total {
		next = strconv.Itoa(to)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"count": len(records), "limit": 20, "next_cursor": next, "records": records})
}

// An organisation with more connections than one Meshes page must see all
// of them, and be told when the page cap leaves some unread.
func TestListConnectionsFollowsMeshesPages(t *testing.T) {
	capped := 20*meshesapi.DefaultMaxPages + 5
	tests := []struct {
		name       string
		total      int
		wantSeen   int
		wantNotice bool
	}{
		{"one page", 7, 7, false},
		{"three pages", 45, 45, false},
		{"more than the page cap", capped, 20 * meshesapi.DefaultMaxPages, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeCatalog(t, pagedConnections{total: tt.total}, Limits{MaxResultBytes: 1 << 20})
			seen := map[string]bool{}
			noticed := false
			cursor := ""
			for calls := 0; calls < 50; calls++ {
				args := map[string]any{}
				if cursor != "" {
					args["cursor"] = cursor
				}
				out := callJSON[schemas.ListConnectionsOutput](t, c, "list_connections", args)
				for _, conn := range out.Connections {
					seen[conn.ID] = true
				}
				noticed = noticed || strings.Contains(out.Notice, "more of this list")
				if out.NextCursor == "" {
					break
				}
				cursor = out.NextCursor
			}
			if len(seen) != tt.wantSeen {
				t.Errorf("saw %d distinct connections, want %d", len(seen), tt.wantSeen)
			}
			if noticed != tt.wantNotice {
				t.Errorf("notice about unread pages = %v, want %v", noticed, tt.wantNotice)
			}
		})
	}
}
