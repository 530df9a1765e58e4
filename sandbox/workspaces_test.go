package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestWorkspaceCreateValidation(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []bodyCase{
		{"valid", map[string]any{"name": "Acme Prod", "description": "d"}, 201, nil},
		{"valid without description", map[string]any{"name": "a_b-c 1"}, 201, nil},
		{"name too short", map[string]any{"name": "ab"}, 400, []string{"name"}},
		{"name too long", map[string]any{"name": strings.Repeat("a", 51)}, 400, []string{"name"}},
		{"name bad characters", map[string]any{"name": "Acme/Prod"}, 400, []string{"name"}},
		{"name missing", map[string]any{"description": "x"}, 400, []string{"name"}},
		{"name wrong type", map[string]any{"name": 42}, 400, []string{"name"}},
		{"description wrong type", map[string]any{"name": "Typed Desc", "description": 5}, 400, []string{"description"}},
		{"description too long", map[string]any{"name": "Long Desc", "description": strings.Repeat("d", 1025)}, 400, []string{"description"}},
		{"both wrong", map[string]any{"name": "x", "description": strings.Repeat("d", 1025)}, 400, []string{"name", "description"}},
		{"malformed JSON", `{"name": `, 400, []string{"body"}},
		{"trailing data", `{"name": "Trailing"} {}`, 400, []string{"body"}},
		{"empty body", nil, 400, []string{"body"}},
		{"array body", `[]`, 400, []string{"body"}},
		{"unknown fields are tolerated", map[string]any{"name": "Tolerant", "color": "blue"}, 201, nil},
		{"duplicate name", map[string]any{"name": "Acme Prod"}, 409, nil},
		{"duplicate name differing in case", map[string]any{"name": "ACME PROD"}, 409, nil},
	}
	e.checkBodyCases(t, "POST", "/workspaces", http.StatusCreated, cases, func(t *testing.T, got map[string]any) {
		ws := got["workspace"].(map[string]any)
		for _, k := range []string{"id", "name", "description", "created_at", "updated_at"} {
			if _, ok := ws[k]; !ok {
				t.Errorf("workspace lacks %q: %v", k, ws)
			}
		}
		if _, ok := ws["publishable_key"]; ok {
			t.Error("create response must not carry the publishable key")
		}
	})
}

func TestWorkspaceReadUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.must(201, e.do("POST", "/workspaces", map[string]any{"name": "Read Me", "description": "first"}))["workspace"].(map[string]any)["id"].(string)

	got := e.must(200, e.do("GET", "/workspaces/"+id, nil))
	pk := got["publishable_key"].(map[string]any)
	if !publishableKeyRe.MatchString(pk["public_key"].(string)) || pk["name"] == "" {
		t.Fatalf("publishable_key %v", pk)
	}
	if got := e.must(200, e.do("GET", "/workspaces/"+strings.ToUpper(id), nil)); got["id"] != id {
		t.Fatalf("upper-case UUID should resolve: %v", got)
	}

	upd := e.must(200, e.do("PUT", "/workspaces/"+id, map[string]any{"name": "Renamed"}))
	if upd["name"] != "Renamed" || upd["description"] != "first" {
		t.Fatalf("absent description must be kept: %v", upd)
	}
	if _, ok := upd["publishable_key"]; ok {
		t.Error("update response must not carry the publishable key")
	}
	upd = e.must(200, e.do("PUT", "/workspaces/"+id, map[string]any{"name": "Renamed", "description": nil}))
	if upd["description"] != nil {
		t.Fatalf("null description must clear: %v", upd)
	}
	e.workspace("Taken Name")
	assertError(t, e.do("PUT", "/workspaces/"+id, map[string]any{"name": "taken name"}), 409)
	assertError(t, e.do("PUT", "/workspaces/"+id, map[string]any{"name": "x"}), 400, "name")
	assertError(t, e.do("PUT", "/workspaces/"+newUUID(), map[string]any{"name": "Whatever"}), 404)
	r := assertError(t, e.do("GET", "/workspaces/"+newUUID(), nil), 404)
	if r["message"] != "Workspace not found" {
		t.Errorf("404 message %v", r["message"])
	}
	assertError(t, e.do("GET", "/workspaces/not-a-uuid", nil), 400, "workspace_id")

	types := e.do("GET", "/workspaces/"+id+"/event-types", nil)
	var entries []map[string]any
	types.decode(t, &entries)
	if len(entries) != 1 || entries[0]["key"] != "contact.created" || entries[0]["label"] != "Contact Created" {
		t.Fatalf("default event types %s", types.body)
	}
	e.do("GET", "/workspaces/"+id+"/resources", nil).decode(t, &entries)
	if len(entries) != 1 || entries[0]["key"] != "global" {
		t.Fatalf("default resources %v", entries)
	}
	for _, sub := range []string{"connections", "rules", "events", "event-types", "resources"} {
		assertError(t, e.do("GET", "/workspaces/"+newUUID()+"/"+sub, nil), 404)
	}
}

func TestListPagination(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 25 {
		e.workspace(fmt.Sprintf("Workspace %02d", i))
	}
	var page listPage[map[string]any]
	e.must(200, e.do("GET", "/workspaces", nil))
	e.do("GET", "/workspaces", nil).decode(t, &page)
	if page.Count != 20 || page.Limit != 20 || len(page.Records) != 20 || page.NextCursor == nil {
		t.Fatalf("first page: count=%d limit=%d cursor=%v", page.Count, page.Limit, page.NextCursor)
	}
	if page.Records[0]["name"] != "Workspace 24" {
		t.Fatalf("not newest first: %v", page.Records[0]["name"])
	}
	if !cursorRe.MatchString(*page.NextCursor) {
		t.Fatalf("cursor %q is not base64url", *page.NextCursor)
	}
	var next listPage[map[string]any]
	e.do("GET", "/workspaces?cursor="+*page.NextCursor, nil).decode(t, &next)
	if next.Count != 5 || next.NextCursor != nil || next.Records[4]["name"] != "Workspace 00" {
		t.Fatalf("second page: %+v", next)
	}
	var small listPage[map[string]any]
	e.do("GET", "/workspaces?limit=10", nil).decode(t, &small)
	if small.Limit != 10 || small.Count != 10 {
		t.Fatalf("limit=10: %+v", small)
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=abc"} {
		assertError(t, e.do("GET", "/workspaces?"+q, nil), 400, "limit")
	}
	for _, c := range []string{"!!!", "Zm9v", "YzotNQ"} { // not base64url; "foo"; "c:-5"
		assertError(t, e.do("GET", "/events?cursor="+c, nil), 400, "cursor")
	}
	var events listPage[map[string]any]
	e.do("GET", "/events", nil).decode(t, &events)
	if events.Limit != 50 || events.Records == nil {
		t.Fatalf("events default limit: %+v", events)
	}
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do("DELETE", "/workspaces", nil)
	assertError(t, r, 405)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow header %q", allow)
	}
	assertError(t, e.do("PATCH", "/rules/"+newUUID(), nil), 405)
	assertError(t, e.do("GET", "/nope", nil), 404)
	assertError(t, e.do("GET", "/workspaces/"+newUUID()+"/nope", nil), 404)
}

func TestIngestionCORS(t *testing.T) {
	e := newEnv(t, Options{})
	for _, path := range []string{"/events", "/events/bulk"} {
		r := e.request("OPTIONS", path, nil, map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), publishableHeader) {
			t.Fatalf("preflight %s: %d %v", path, r.status, r.header)
		}
	}
	if r := e.do("POST", "/events", map[string]any{}); r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("ingestion responses need CORS headers, errors included")
	}
	if r := e.do("GET", "/workspaces", nil); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the management API must not serve CORS")
	}
	assertError(t, e.do("OPTIONS", "/workspaces", nil), 405)
}
