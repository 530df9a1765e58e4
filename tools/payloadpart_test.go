package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// bigPayloadEvent serves one event whose payload is far over a small result
// budget: 300 line items and a short customer object. requests counts what
// reached the upstream.
func bigPayloadEvent(t *testing.T) (*Catalog, *atomic.Int32) {
	items := make([]any, 300)
	for i := range items {
		items[i] = map[string]any{"sku": fmt.Sprintf("SKU-%03d", i), "qty": i % 7, "note": strings.Repeat("x", 40)}
	}
	event := map[string]any{"id": testUUID, "workspace": testUUID, "event": "order.placed", "status": "completed",
		"payload": map[string]any{"customer": map[string]any{"email": "jo@example.com"}, "items": items, "total": 99.5}}
	var requests atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(event)
	})
	return fakeCatalog(t, h, Limits{MaxResultBytes: 8000}), &requests
}

// A payload over the result budget is not dropped whole: the result shows
// its outline (each key's type and size) and says how to read a part, and
// payload_path reads that part, however deep.
func TestGetEventOversizedPayloadShowsOutlineAndParts(t *testing.T) {
	c, _ := bigPayloadEvent(t)
	whole := callJSON[schemas.GetEventOutput](t, c, "get_event", map[string]any{"event_id": testUUID, "include_payload": true})
	if whole.Payload != nil {
		t.Fatalf("payload shown although over the budget")
	}
	if !strings.HasPrefix(whole.PayloadOutline["items"], "array of 300, ") || !strings.HasPrefix(whole.PayloadOutline["customer"], "object of 1 keys, ") ||
		!strings.HasPrefix(whole.PayloadOutline["total"], "number, ") {
		t.Errorf("outline = %v", whole.PayloadOutline)
	}
	if !strings.Contains(whole.Notice, "payload_outline") || !strings.Contains(whole.Notice, `payload_path, e.g. "customer"`) {
		t.Errorf("notice %q does not say how to read a part", whole.Notice)
	}

	sku := callJSON[schemas.GetEventOutput](t, c, "get_event", map[string]any{"event_id": testUUID, "payload_path": "items[3].sku"})
	if sku.PayloadPart != "SKU-003" || sku.Payload != nil {
		t.Errorf("items[3].sku = %v (payload %v)", sku.PayloadPart, sku.Payload)
	}

	// A part still too large is outlined in turn, element by element.
	list := callJSON[schemas.GetEventOutput](t, c, "get_event", map[string]any{"event_id": testUUID, "payload_path": "items"})
	if list.PayloadPart != nil || len(list.PayloadOutline) != maxOutlineEntries || !strings.HasPrefix(list.PayloadOutline["[0]"], "object of 3 keys") {
		t.Errorf("outline of items = %d entries, [0] %q", len(list.PayloadOutline), list.PayloadOutline["[0]"])
	}
	if !strings.Contains(list.Notice, "250 more") || !strings.Contains(list.Notice, `"items[0]"`) {
		t.Errorf("notice %q", list.Notice)
	}
}

// A payload_path that does not fit the payload names the step that failed
// and what is there; a malformed one is refused before any request.
func TestGetEventPayloadPathErrors(t *testing.T) {
	c, requests := bigPayloadEvent(t)
	for path, want := range map[string]string{
		"custommer":       `names key "custommer", which the payload does not have; its keys: customer, items, total`,
		"items[300]":      "names items[300] but items has 300 elements",
		"total.amount":    "cannot take amount of total, which is a number",
		"customer[0]":     "cannot take [0] of customer, which is an object",
		"items..sku":      "must be keys separated by dots",
		"items[-1]":       "must be keys separated by dots",
		"[0]":             "must be keys separated by dots",
		"customer.email.": "must be keys separated by dots",
	} {
		before := requests.Load()
		raw, _ := json.Marshal(map[string]any{"event_id": testUUID, "payload_path": path})
		res, err := c.Call(context.Background(), "get_event", raw)
		if err != nil || !res.IsError {
			t.Fatalf("%s: want an error result, got %v %+v", path, err, res)
		}
		text := res.Content[0].(mcp.TextContent).Text
		if !strings.Contains(text, "payload_path") || !strings.Contains(text, want) {
			t.Errorf("%s: %q does not say %q", path, text, want)
		}
		if strings.HasPrefix(want, "must be") && requests.Load() != before {
			t.Errorf("%s: malformed path reached Meshes", path)
		}
	}
}
