package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Results must stay well under what hosts accept (Claude Code truncates
// above ~25k tokens), so every list is cut to a byte budget and continued
// by cursor. The cursors are opaque to the model and always advance: they
// point either past the last record returned or at Meshes' next page.

// cursor is the position a list stopped at.
type cursor struct {
	Tool string `json:"t"`
	// API is Meshes' cursor of the page being read ("" for the first page,
	// or for lists Meshes does not page).
	API string `json:"c,omitempty"`
	// Offset counts records of that page already returned.
	Offset int `json:"o,omitempty"`
	// Sub counts deliveries of the event at Offset already returned.
	Sub int `json:"d,omitempty"`
	// Event is the id of the event at Offset, so that a re-read page into
	// which newer events have been inserted still resumes at it.
	Event string `json:"e,omitempty"`
	// Stream is which of list_deliveries' filtered event lists the cursor
	// is in (see deliveryStreams).
	Stream int `json:"s,omitempty"`
	// Limit is the page size the list was started with, so that Offset
	// keeps its meaning when the next call leaves limit out.
	Limit int `json:"l,omitempty"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageSize is the page size to read Meshes' page with: the one the list
// was started with while resuming inside that page, else requested.
func (c cursor) pageSize(requested int) int {
	if c.Offset > 0 && c.Limit > 0 {
		return c.Limit
	}
	return requested
}

// decodeCursor reads a cursor this tool issued; "" is the start.
func decodeCursor(tool, s string) (cursor, error) {
	if s == "" {
		return cursor{Tool: tool}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Tool != tool || c.Offset < 0 || c.Sub < 0 || c.Stream < 0 {
		return c, &argError{msg: fmt.Sprintf("invalid arguments: cursor is not a next_cursor returned by %s; call without cursor to start over.", tool)}
	}
	return c, nil
}

// envelopeReserve is room kept in the byte budget for everything of a list
// result other than its records.
const envelopeReserve = 1024

// window returns records[offset:] cut to fit budget bytes of JSON, and the
// offset to continue from, or -1 when the rest fit. It keeps at least one
// record so that a cursor always advances.
func window[T any](records []T, offset, budget int) ([]T, int) {
	if offset >= len(records) {
		return []T{}, -1
	}
	used := 0
	for i := offset; i < len(records); i++ {
		b, _ := json.Marshal(records[i])
		used += len(b) + 1
		if used > budget && i > offset {
			return records[offset:i], i
		}
	}
	return records[offset:], -1
}

// pageLocal pages a list Meshes returns whole: it returns the records to
// show and the Page telling the model how to continue.
func pageLocal[T any](tool string, records []T, cur cursor, budget int) ([]T, schemas.Page) {
	kept, next := window(records, cur.Offset, budget)
	var p schemas.Page
	if next >= 0 {
		p.NextCursor = cursor{Tool: tool, Offset: next}.encode()
		p.Notice = fmt.Sprintf("showing %d of %d from offset %d to keep the result small; call again with cursor for the rest", len(kept), len(records), cur.Offset)
	}
	return kept, p
}

// pageWhole serves a list Meshes returns whole (up to collectPages' cap):
// show converts a record and says whether the agent may see it; the records
// kept are paged from cur, and the notice says when the cap cut the list.
func pageWhole[R, T any](ctx context.Context, c *Catalog, tool string, cur cursor, fetch meshesapi.PageFunc[R], show func(*R) (T, bool)) ([]T, schemas.Page, error) {
	records, more, err := collectPages(ctx, fetch)
	if err != nil {
		return nil, schemas.Page{}, err
	}
	all := make([]T, 0, len(records))
	for i := range records {
		if out, ok := show(&records[i]); ok {
			all = append(all, out)
		}
	}
	kept, page := pageLocal(tool, all, cur, c.budget())
	page.Notice = joinNotice(page.Notice, unpagedNotice(more))
	return kept, page, nil
}

// fitAll cuts a list that has no cursor to the budget. notice, given how
// many records were kept and how many there were, says what was left out.
func fitAll[T any](c *Catalog, records []T, notice string) ([]T, string) {
	kept, next := window(records, 0, c.budget())
	if next < 0 {
		return kept, ""
	}
	return kept, fmt.Sprintf(notice, len(kept), len(records))
}

// budget is the byte budget for the records of one list result.
func (c *Catalog) budget() int { return c.limits.MaxResultBytes - envelopeReserve }

// collectPages reads every page of an org-level list that Meshes pages at a
// small fixed size, up to meshesapi.DefaultMaxPages; more reports that the
// cap cut the list short.
func collectPages[T any](ctx context.Context, fetch meshesapi.PageFunc[T]) (records []T, more bool, err error) {
	records, next, err := meshesapi.Collect(ctx, meshesapi.Page{}, meshesapi.DefaultMaxPages, fetch)
	return records, next != nil && *next != "", err
}

// unpagedNotice warns when collectPages stopped at its page cap: records
// beyond it are not shown.
func unpagedNotice(more bool) string {
	if !more {
		return ""
	}
	return fmt.Sprintf("Meshes has more of this list than the %d pages read; narrow it (e.g. by workspace_id) to see the rest", meshesapi.DefaultMaxPages)
}

// joinNotice joins two notices of one result, either of which may be empty.
func joinNotice(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
