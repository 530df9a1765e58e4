package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestEventIngestValidation(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Ingest")
	ok := map[string]any{"email": "a@example.com"}
	mk := func(kv ...any) map[string]any {
		return bodyWith(map[string]any{"workspace": ws, "event": "user.signup", "payload": ok}, kv...)
	}
	cases := []bodyCase{
		{"valid", mk(), 201, nil},
		{"valid with resource and type", mk("resource", "user", "resource_id", "u_1", "type", "event"), 201, nil},
		{"custom payload keys of any type", mk("payload", map[string]any{"plan": "pro", "seats": 3, "user": map[string]any{"name": "A"}}), 201, nil},
		{"missing workspace with machine key", mk("workspace", nil), 400, []string{"workspace"}},
		{"malformed workspace", mk("workspace", "ws_1"), 400, []string{"workspace"}},
		{"unknown workspace", mk("workspace", newUUID()), 404, nil},
		{"missing event", mk("event", nil), 400, []string{"event"}},
		{"blank event", mk("event", "   "), 400, []string{"event"}},
		{"missing payload", mk("payload", nil), 400, []string{"payload"}},
		{"array payload", mk("payload", []any{map[string]any{"email": "a@b.co"}}), 400, []string{"payload"}},
		{"scalar payload", mk("payload", "hello"), 400, []string{"payload"}},
		// "At least one non-empty value" is the Node events client's own
		// check (§10.2), not a rule Meshes documents for its server.
		{"empty payload", mk("payload", map[string]any{}), 201, nil},
		{"payload of empty values", mk("payload", map[string]any{"tags": []any{}, "x": nil, "o": map[string]any{}, "name": ""}), 201, nil},
		{"invalid email", mk("payload", map[string]any{"email": "not-an-email"}), 400, []string{"payload.email"}},
		{"email not a string", mk("payload", map[string]any{"email": 5}), 400, []string{"payload.email"}},
		{"type other than event", mk("type", "rule"), 400, []string{"type"}},
		{"blank resource", mk("resource", ""), 400, []string{"resource"}},
		{"event too long", mk("event", strings.Repeat("e", 129)), 400, []string{"event"}},
		{"several problems at once", mk("event", nil, "payload", nil), 400, []string{"event", "payload"}},
	}
	e.checkBodyCases(t, "POST", "/events", 201, cases, func(t *testing.T, got map[string]any) {
		ev := got["event"].(map[string]any)
		for _, k := range []string{"id", "event", "workspace", "created_by", "created_at", "type"} {
			if ev[k] == nil || ev[k] == "" {
				t.Errorf("reduced event lacks %s: %v", k, ev)
			}
		}
		if _, has := ev["status"]; has {
			t.Errorf("the create response is the reduced event, without status: %v", ev)
		}
	})
}

func TestEventRoutingAndReads(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Routing")
	other := e.workspace("Elsewhere")
	hub := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	slack := e.connection(ws, "slack", "Slack", map[string]any{})
	otherSlack := e.connection(other, "slack", "Slack", map[string]any{})
	send := map[string]any{"action": "send_message", "id": "C0123456789", "template": "{{email}}"}
	e.rule(ws, hub, "user.signup", map[string]any{"action": "add_to_list", "id": "5"}, nil)
	e.rule(ws, slack, "user.signup", send, map[string]any{"resource": "user"})
	e.rule(ws, slack, "user.signup", map[string]any{"action": "send_message", "id": "C0987654321", "template": "vip"}, map[string]any{"resource": "user", "resource_id": "vip_1"})
	e.rule(ws, slack, "user.signup", map[string]any{"action": "send_message", "id": "C0555555555", "template": "off"}, map[string]any{"active": false})
	e.rule(other, otherSlack, "user.signup", send, nil)

	cases := []struct {
		resource, resourceID string
		want                 int
	}{
		{"", "", 1},          // resource defaults to global: only the unfiltered rule
		{"user", "", 2},      // + the resource rule
		{"user", "vip_1", 3}, // + the resource_id rule
		{"order", "vip_1", 1},
	}
	for _, tc := range cases {
		body := map[string]any{"workspace": ws, "event": "user.signup", "payload": map[string]any{"email": "a@example.com"}}
		if tc.resource != "" {
			body["resource"] = tc.resource
		}
		if tc.resourceID != "" {
			body["resource_id"] = tc.resourceID
		}
		id := e.must(201, e.do("POST", "/events", body))["event"].(map[string]any)["id"].(string)
		ev := e.waitEvent(id, "completed")
		if ev.TotalRules != tc.want || len(ev.RuleEvents) != tc.want || ev.CompletedCount != tc.want {
			t.Errorf("resource %q/%q: %d rules, want %d", tc.resource, tc.resourceID, ev.TotalRules, tc.want)
		}
		for _, re := range ev.RuleEvents {
			if re.Type != "rule" || re.EventID != id || re.AttemptCount != 1 || re.StartedAt == "" || re.CompletedAt == "" {
				t.Errorf("rule event %+v", re)
			}
		}
	}

	none := e.emit(ws, "nobody.listens", map[string]any{"id": "x"})
	if ev := e.getEvent(none); ev.Status != "completed" || ev.TotalRules != 0 || ev.CompletedAt == "" || ev.RuleEvents == nil {
		t.Fatalf("zero-rule event %+v", ev)
	}
	var types []map[string]any
	e.do("GET", "/workspaces/"+ws+"/event-types", nil).decode(t, &types)
	if len(types) != 3 { // contact.created, user.signup, nobody.listens
		t.Errorf("event types %v", types)
	}

	withPayload := e.must(200, e.do("GET", "/events/"+none+"/payload", nil))
	if withPayload["payload"].(map[string]any)["id"] != "x" {
		t.Fatalf("payload endpoint %v", withPayload)
	}
	if _, has := e.must(200, e.do("GET", "/events/"+none, nil))["payload"]; has {
		t.Fatal("GET /events/{id} must not include the payload")
	}
	assertError(t, e.do("GET", "/events/"+newUUID(), nil), 404)
	assertError(t, e.do("GET", "/events/nope/payload", nil), 400, "event_id")

	count := func(path string) int {
		var page listPage[map[string]any]
		e.must(200, e.do("GET", path, nil))
		e.do("GET", path, nil).decode(t, &page)
		return page.Count
	}
	base := "/workspaces/" + ws + "/events"
	for path, want := range map[string]int{
		"/events": 5, base: 5, base + "?event=user.signup": 4, base + "?resource=user": 2,
		base + "?resource_id=vip_1": 2, base + "?status=completed": 5, base + "?status=failed": 0,
		"/workspaces/" + other + "/events": 0,
	} {
		if got := count(path); got != want {
			t.Errorf("%s: %d events, want %d", path, got, want)
		}
	}
	assertError(t, e.do("GET", base+"?status=done", nil), 400, "status")
	var page listPage[map[string]any]
	e.do("GET", "/events?limit=2", nil).decode(t, &page)
	seen := map[any]bool{}
	for page.NextCursor != nil || len(page.Records) > 0 {
		for _, r := range page.Records {
			if seen[r["id"]] {
				t.Fatalf("event %v repeated across pages", r["id"])
			}
			seen[r["id"]] = true
		}
		if page.NextCursor == nil {
			break
		}
		next := *page.NextCursor
		page = listPage[map[string]any]{}
		e.do("GET", "/events?limit=2&cursor="+next, nil).decode(t, &page)
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d events, want 5", len(seen))
	}
}

func TestBulkIngest(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Bulk")
	good := func(i int) map[string]any {
		return map[string]any{"workspace": ws, "event": "user.signup", "payload": map[string]any{"id": fmt.Sprint(i)}}
	}

	// An empty payload is accepted in bulk as it is alone (§10.2: refusing
	// it is one SDK's client-side rule).
	empty := map[string]any{"workspace": ws, "event": "user.signup", "payload": map[string]any{}}
	all := e.must(201, e.do("POST", "/events/bulk", []any{good(1), good(2), empty}))
	if all["count"] != 3.0 || len(all["records"].([]any)) != 3 {
		t.Fatalf("201 bulk %v", all)
	}

	mixed := e.do("POST", "/events/bulk", []any{good(1), map[string]any{"workspace": ws, "event": "x"}, "not an object", good(4), map[string]any{"workspace": newUUID(), "event": "x", "payload": map[string]any{"a": 1}}})
	var resp struct {
		Count      int              `json:"count"`
		ErrorCount int              `json:"error_count"`
		Records    []map[string]any `json:"records"`
	}
	if mixed.status != 207 {
		t.Fatalf("mixed bulk: %d %s", mixed.status, mixed.body)
	}
	mixed.decode(t, &resp)
	if resp.Count != 5 || resp.ErrorCount != 3 || len(resp.Records) != 5 {
		t.Fatalf("207 counts: %+v", resp)
	}
	for i, wantOK := range []bool{true, false, false, true, false} {
		_, isEvent := resp.Records[i]["id"]
		_, isError := resp.Records[i]["error"]
		if isEvent != wantOK || isError == wantOK || (!wantOK && resp.Records[i]["message"] == "") {
			t.Errorf("records[%d] = %v, want accepted=%v", i, resp.Records[i], wantOK)
		}
	}
	if msg := resp.Records[4]["message"]; msg != "Workspace not found" {
		t.Errorf("unknown workspace record message %v", msg)
	}

	assertError(t, e.do("POST", "/events/bulk", []any{map[string]any{"event": "x"}, 3}), 400, "[0].payload", "[0].workspace", "[1]")
	assertError(t, e.do("POST", "/events/bulk", []any{}), 400, "body")
	many := make([]any, 101)
	for i := range many {
		many[i] = good(i)
	}
	assertError(t, e.do("POST", "/events/bulk", many), 400, "body")
	e.must(201, e.do("POST", "/events/bulk", many[:100]))
	assertError(t, e.do("POST", "/events/bulk", map[string]any{"events": []any{good(1)}}), 400, "body")
	assertError(t, e.do("POST", "/events/bulk", `[{"event":`), 400, "body")
}
