package sandbox

import (
	"strings"
	"testing"
	"time"
)

func TestSessionCreateValidation(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e := newEnv(t, Options{Now: clock.Now})
	ws := e.workspace("Embed")
	mk := func(kv ...any) map[string]any { return bodyWith(map[string]any{"workspace_id": ws}, kv...) }
	cases := []bodyCase{
		{"defaults", mk(), 200, nil},
		{"full workspace session", mk("role", "admin", "session_type", "workspace", "external_user_id", "u_1", "ttl_seconds", 3600,
			"launch_ttl_seconds", 15, "launch_page", "connections", "allowed_origins", []string{"https://app.example.com", "http://localhost:3000"},
			"scopes", []string{"events.payload:read"}), 200, nil},
		{"resource session", mk("session_type", "resource", "resource", "order", "resource_id", "o_1", "launch_page", "events"), 200, nil},
		{"legacy launch_path", mk("launch_path", "/workspace/rules"), 200, nil},
		{"invalid session_type", mk("session_type", "tenant"), 400, []string{"session_type"}},
		{"invalid role", mk("role", "root"), 400, []string{"role"}},
		{"ttl too short", mk("ttl_seconds", 299), 400, []string{"ttl_seconds"}},
		{"ttl too long", mk("ttl_seconds", 3601), 400, []string{"ttl_seconds"}},
		{"launch ttl out of range", mk("launch_ttl_seconds", 61), 400, []string{"launch_ttl_seconds"}},
		{"ttl not an integer", mk("ttl_seconds", 300.5), 400, []string{"ttl_seconds"}},
		{"launch page unknown", mk("launch_page", "settings"), 400, []string{"launch_page"}},
		{"bad launch_path", mk("launch_path", "/settings"), 400, []string{"launch_path"}},
		{"resource session without resource_id", mk("session_type", "resource", "resource", "order"), 400, []string{"resource_id"}},
		{"resource session on connections", mk("session_type", "resource", "resource", "order", "resource_id", "o", "launch_page", "connections"), 400, []string{"launch_page"}},
		{"dashboard session elsewhere", mk("session_type", "dashboard", "launch_page", "rules"), 400, []string{"launch_page"}},
		{"resource on a workspace session", mk("resource", "order"), 400, []string{"session_type"}},
		{"too many origins", mk("allowed_origins", strings.Split(strings.Repeat("https://a.io,", 11), ",")[:11]), 400, []string{"allowed_origins"}},
		{"origin with a path", mk("allowed_origins", []string{"https://a.io/app"}), 400, []string{"allowed_origins[0]"}},
		{"unknown scope", mk("scopes", []string{"events:write"}), 400, []string{"scopes[0]"}},
		{"external user id too long", mk("external_user_id", strings.Repeat("u", 256)), 400, []string{"external_user_id"}},
		{"missing workspace", map[string]any{}, 400, []string{"workspace_id"}},
		{"unknown workspace", map[string]any{"workspace_id": newUUID()}, 404, nil},
	}
	e.checkBodyCases(t, "POST", "/sessions", 200, cases, func(t *testing.T, s map[string]any) {
		if !strings.HasPrefix(s["session_id"].(string), "sess_") || !strings.HasPrefix(s["access_token"].(string), "eyJ") ||
			s["launch_token"] == "" || !strings.Contains(s["launch_url"].(string), "?launch="+s["launch_token"].(string)) || s["workspace_id"] != ws {
			t.Fatalf("session %v", s)
		}
	})

	s := e.must(200, e.do("POST", "/sessions", mk()))
	if s["role"] != "member" || s["session_type"] != "workspace" || s["expires_in"] != 1800.0 ||
		s["expires_at"] != "2026-01-02T03:34:05.000Z" || s["launch_expires_at"] != "2026-01-02T03:04:35.000Z" ||
		!strings.Contains(s["launch_url"].(string), "/workspace/dashboard?") {
		t.Fatalf("defaults %v", s)
	}
}

func TestSessionLifecycle(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, Options{Now: clock.Now})
	ws := e.workspace("Lifecycle")
	other := e.workspace("Other")
	mint := func(body map[string]any) string {
		body["workspace_id"] = ws
		return e.must(200, e.do("POST", "/sessions", body))["session_id"].(string)
	}
	a := mint(map[string]any{"ttl_seconds": 300, "external_user_id": "u_a"})
	b := mint(map[string]any{"session_type": "resource", "resource": "order", "resource_id": "o_1"})
	e.must(200, e.do("POST", "/sessions", map[string]any{"workspace_id": other}))

	list := func(q string) []sessionRecordJSON {
		var page struct{ Records []sessionRecordJSON }
		e.must(200, e.do("GET", "/sessions?workspace_id="+ws+q, nil))
		e.do("GET", "/sessions?workspace_id="+ws+q, nil).decode(t, &page)
		return page.Records
	}
	if got := list(""); len(got) != 2 || got[0].SessionID != b || got[1].ExternalUserID != "u_a" || got[0].Status != "active" || got[0].IsExpired {
		t.Fatalf("list %+v", got)
	}
	if got := list("&resource=order&resource_id=o_1"); len(got) != 1 || got[0].SessionID != b {
		t.Fatalf("resource filter %+v", got)
	}
	assertError(t, e.do("GET", "/sessions", nil), 400, "workspace_id")
	assertError(t, e.do("GET", "/sessions?workspace_id="+ws+"&status=expired", nil), 400, "status")
	assertError(t, e.do("GET", "/sessions?workspace_id="+ws+"&resource=", nil), 400, "resource")
	assertError(t, e.do("GET", "/sessions?workspace_id="+ws+"&cursor=not*valid", nil), 400, "cursor")
	assertError(t, e.do("GET", "/sessions?workspace_id="+newUUID(), nil), 404)

	// Refresh extends the expiry from "now" and issues a new token.
	clock.Advance(200 * time.Second)
	before := e.must(200, e.do("POST", "/sessions", map[string]any{"workspace_id": ws}))["access_token"]
	r := e.must(200, e.do("POST", "/sessions/"+a+"/refresh", nil))
	if r["session_id"] != a || r["access_token"] == before || r["expires_in"] != 300.0 || r["launch_url"] != nil {
		t.Fatalf("refresh %v", r)
	}
	clock.Advance(299 * time.Second)
	if got := list(""); got[len(got)-1].IsExpired {
		t.Fatal("refreshed session expired too early")
	}
	clock.Advance(2 * time.Second)
	if got := list(""); !got[len(got)-1].IsExpired || got[len(got)-1].Status != "active" {
		t.Fatalf("expected is_expired: %+v", got[len(got)-1])
	}
	assertError(t, e.do("POST", "/sessions/"+a+"/refresh", nil), 409)

	if got := e.must(200, e.do("DELETE", "/sessions/"+b, nil)); got["revoked"] != true {
		t.Fatalf("revoke %v", got)
	}
	e.must(200, e.do("DELETE", "/sessions/"+b, nil))
	assertError(t, e.do("POST", "/sessions/"+b+"/refresh", nil), 409)
	if got := list("&status=revoked"); len(got) != 1 || got[0].SessionID != b {
		t.Fatalf("revoked filter %+v", got)
	}
	assertError(t, e.do("DELETE", "/sessions/sess_nope", nil), 404)
	assertError(t, e.do("POST", "/sessions/sess_nope/refresh", nil), 404)
}

type sessionRecordJSON struct {
	SessionID      string `json:"session_id"`
	Status         string `json:"status"`
	IsExpired      bool   `json:"is_expired"`
	ExternalUserID string `json:"external_user_id"`
}
