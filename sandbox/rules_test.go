package sandbox

import (
	"strings"
	"testing"
)

func TestRuleCreateValidation(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Rules")
	other := e.workspace("Other Rules")
	hub := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	foreign := e.connection(other, "slack", "Slack", map[string]any{})
	mk := func(conn, event string, md any, extra map[string]any) map[string]any {
		b := map[string]any{"workspace": ws, "connection": conn, "event": event, "metadata": md}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	list := map[string]any{"action": "add_to_list", "id": "5"}
	cases := []bodyCase{
		{"valid", mk(hub, "user.signup", list, nil), 201, nil},
		{"valid with resource filters", mk(hub, "user.signup", list, map[string]any{"resource": "user", "resource_id": "usr:1.a-b_c"}), 201, nil},
		{"property action", mk(hub, "trial.started", map[string]any{"action": "update_property", "id": "lifecyclestage", "value": "lead"}, nil), 201, nil},
		{"action-only", mk(hub, "user.signup", map[string]any{"action": "create_or_update_contact"}, nil), 201, nil},
		{"inactive rule", mk(hub, "user.deleted", list, map[string]any{"active": false}), 201, nil},
		{"duplicate", mk(hub, "user.signup", list, nil), 409, nil},
		{"unknown action", mk(hub, "user.signup", map[string]any{"action": "send_message", "id": "C1"}, nil), 422, []string{"metadata.action"}},
		{"missing action input", mk(hub, "user.signup", map[string]any{"action": "add_to_list"}, nil), 422, []string{"metadata.id"}},
		{"property without value", mk(hub, "user.signup", map[string]any{"action": "update_property", "id": "lifecyclestage"}, nil), 422, []string{"metadata.value"}},
		{"missing action", mk(hub, "user.signup", map[string]any{"id": "5"}, nil), 400, []string{"metadata.action"}},
		{"blank action", mk(hub, "user.signup", map[string]any{"action": " "}, nil), 400, []string{"metadata.action"}},
		{"metadata id not a string", mk(hub, "user.signup", map[string]any{"action": "add_to_list", "id": 5}, nil), 400, []string{"metadata.id"}},
		{"metadata missing", map[string]any{"workspace": ws, "connection": hub, "event": "e"}, 400, []string{"metadata"}},
		{"blank event", mk(hub, "  ", list, nil), 400, []string{"event"}},
		{"bad resource_id", mk(hub, "user.signup", list, map[string]any{"resource_id": "has space"}), 400, []string{"resource_id"}},
		{"resource_id too long", mk(hub, "user.signup", list, map[string]any{"resource_id": strings.Repeat("a", 65)}), 400, []string{"resource_id"}},
		{"empty resource", mk(hub, "user.signup", list, map[string]any{"resource": ""}), 400, []string{"resource"}},
		{"connection of another workspace", mk(foreign, "user.signup", map[string]any{"action": "send_message", "id": "C1", "template": "t"}, nil), 400, []string{"connection"}},
		{"unknown connection", mk(newUUID(), "user.signup", list, nil), 404, nil},
		{"malformed connection", mk("123", "user.signup", list, nil), 400, []string{"connection"}},
	}
	e.checkBodyCases(t, "POST", "/rules", 201, cases, func(t *testing.T, got map[string]any) {
		rl := got["rule"].(map[string]any)
		if rl["type"] != "hubspot" || rl["workspace"] != ws || rl["connection"] != hub {
			t.Fatalf("rule %v", rl)
		}
	})
}

func TestRuleReadFilterDelete(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Rule Reads")
	hub := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	a := e.rule(ws, hub, "user.signup", map[string]any{"action": "add_to_list", "id": "5"}, map[string]any{"resource": "user", "resource_id": "u1"})
	b := e.rule(ws, hub, "trial.started", map[string]any{"action": "add_to_list", "id": "12"}, nil)

	count := func(path string) int {
		var page listPage[map[string]any]
		e.do("GET", path, nil).decode(t, &page)
		return page.Count
	}
	for path, want := range map[string]int{
		"/rules": 2, "/rules?event=user.signup": 1, "/rules?resource=user": 1, "/rules?resource_id=u1": 1,
		"/rules?event=nothing": 0, "/workspaces/" + ws + "/rules?event=trial.started": 1,
	} {
		if got := count(path); got != want {
			t.Errorf("%s: %d rules, want %d", path, got, want)
		}
	}
	var types []map[string]any
	e.do("GET", "/workspaces/"+ws+"/event-types", nil).decode(t, &types)
	if len(types) != 3 {
		t.Errorf("rule events should join the catalog: %v", types)
	}

	if got := e.must(200, e.do("GET", "/rules/"+a, nil)); got["resource_id"] != "u1" {
		t.Fatalf("get rule %v", got)
	}
	del := e.must(200, e.do("DELETE", "/rules/"+a, nil))
	if del["id"] != a || del["connection"] != hub || del["type"] != "hubspot" || del["event"] != "user.signup" || del["resource"] != "user" || del["resource_id"] != "u1" {
		t.Fatalf("delete response %v", del)
	}
	del = e.must(200, e.do("DELETE", "/rules/"+b, nil))
	if _, ok := del["resource"]; ok {
		t.Fatalf("absent resource must be omitted: %v", del)
	}
	assertError(t, e.do("DELETE", "/rules/"+a, nil), 404)
	assertError(t, e.do("GET", "/rules/nope", nil), 400, "rule_id")
}
