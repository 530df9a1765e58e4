package sandbox

import (
	"strings"
	"testing"
)

func TestConnectionCreateValidation(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Conn Tests")
	mk := func(typ, name string, md any) map[string]any {
		return map[string]any{"workspace": ws, "type": typ, "name": name, "metadata": md}
	}
	cases := []bodyCase{
		{"oauth integration with empty metadata", mk("hubspot", "HubSpot", map[string]any{}), 201, nil},
		{"api key integration", mk("mailchimp", "Mailchimp", map[string]any{"api_key": "k-us21", "data_center": "us21"}), 201, nil},
		{"pipedrive is accepted", mk("pipedrive", "Pipedrive", map[string]any{}), 201, nil},
		{"webhook https", mk("webhook", "Hook One", map[string]any{"url": "https://example.com/hook"}), 201, nil},
		{"webhook http loopback", mk("webhook", "Hook Two", map[string]any{"url": "http://127.0.0.1:8080/hook"}), 201, nil},
		{"webhook http localhost", mk("webhook", "Hook Three", map[string]any{"url": "http://localhost/hook"}), 201, nil},
		{"webhook http ::1", mk("webhook", "Hook Four", map[string]any{"url": "http://[::1]:9000/hook"}), 201, nil},
		{"webhook http public host", mk("webhook", "Hook Five", map[string]any{"url": "http://example.com/hook"}), 422, []string{"metadata.url"}},
		{"webhook missing url", mk("webhook", "Hook Six", map[string]any{}), 422, []string{"metadata.url"}},
		{"webhook ftp", mk("webhook", "Hook Seven", map[string]any{"url": "ftp://example.com"}), 422, []string{"metadata.url"}},
		{"webhook bad method", mk("webhook", "Hook Eight", map[string]any{"url": "https://x.io", "http_method": "GET"}), 422, []string{"metadata.http_method"}},
		{"webhook basic without password", mk("webhook", "Hook Nine", map[string]any{"url": "https://x.io", "auth_scheme": "basic", "auth_username": "u"}), 422, []string{"metadata.auth_password"}},
		{"webhook reserved custom header", mk("webhook", "Hook Ten", map[string]any{"url": "https://x.io", "headers": map[string]any{"Content-Type": "text/plain"}}), 422, []string{"metadata.headers.Content-Type"}},
		{"webhook bad signing algorithm", mk("webhook", "Hook Eleven", map[string]any{"url": "https://x.io", "signing_algorithm": "md5"}), 422, []string{"metadata.signing_algorithm"}},
		{"mailchimp missing api key", mk("mailchimp", "Mailchimp Two", map[string]any{"data_center": "us21"}), 422, []string{"metadata.api_key"}},
		{"activecampaign bad api_url", mk("activecampaign", "AC", map[string]any{"api_url": "acme.api-us1.com", "api_key": "k"}), 422, []string{"metadata.api_url"}},
		{"customer.io bad region", mk("customer_io", "CIO", map[string]any{"region": "apac", "cdpApiKey": "k"}), 422, []string{"metadata.region"}},
		{"bad sandbox_fail", mk("hubspot", "HubSpot Two", map[string]any{"sandbox_fail": "sometimes"}), 422, []string{"metadata.sandbox_fail"}},
		{"bad inactive reason", mk("hubspot", "HubSpot Three", map[string]any{"sandbox_inactive_reason": "tired"}), 422, []string{"metadata.sandbox_inactive_reason"}},
		{"unknown type", mk("zapier", "Zap", map[string]any{}), 400, []string{"type"}},
		{"name with slash", mk("slack", "a/b", map[string]any{}), 400, []string{"name"}},
		{"name too long", mk("slack", strings.Repeat("n", 129), map[string]any{}), 400, []string{"name"}},
		{"metadata missing", map[string]any{"workspace": ws, "type": "slack", "name": "Slack"}, 400, []string{"metadata"}},
		{"metadata array", mk("slack", "Slack", []any{}), 400, []string{"metadata"}},
		{"workspace malformed", map[string]any{"workspace": "nope", "type": "slack", "name": "Slack", "metadata": map[string]any{}}, 400, []string{"workspace"}},
		{"workspace unknown", map[string]any{"workspace": newUUID(), "type": "slack", "name": "Slack", "metadata": map[string]any{}}, 404, nil},
		{"duplicate name", mk("slack", "hubspot", map[string]any{}), 409, nil},
	}
	e.checkBodyCases(t, "POST", "/connections", 201, cases, func(t *testing.T, got map[string]any) {
		c := got["connection"].(map[string]any)
		if c["workspace"] != ws || c["active"] != true || c["created_by"] != e.creds.AccessKey {
			t.Fatalf("connection %v", c)
		}
	})
}

func TestConnectionSecretsAndState(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Secrets")
	id := e.connection(ws, "webhook", "Signed Hook", map[string]any{
		"url": "https://example.com/h", "auth_scheme": "bearer", "auth_token": "tok-123",
		"signing_secret": "whsec_1", "headers": map[string]any{"X-Api-Key": "abc"}})
	c := e.must(200, e.do("GET", "/connections/"+id, nil))
	md := c["metadata"].(map[string]any)
	if md["auth_token"] != redacted || md["signing_secret"] != redacted || md["headers"].(map[string]any)["X-Api-Key"] != redacted {
		t.Fatalf("secrets not masked: %v", md)
	}
	if md["url"] != "https://example.com/h" || md["auth_scheme"] != "bearer" {
		t.Fatalf("non-secrets must be readable: %v", md)
	}
	// Sending back what was read keeps the stored secrets.
	md["sandbox_inactive_reason"] = "oauth_authorization_revoked"
	upd := e.must(200, e.do("PUT", "/connections/"+id, map[string]any{"name": "Signed Hook", "metadata": md}))
	if upd["active"] != false || upd["inactive_reason"] != "oauth_authorization_revoked" {
		t.Fatalf("inactive switch: %v", upd)
	}
	e.srv.db.mu.Lock()
	stored := e.srv.db.connections[id].Metadata["auth_token"]
	e.srv.db.mu.Unlock()
	if stored != "tok-123" {
		t.Fatalf("masked value overwrote the secret: %v", stored)
	}
	assertError(t, e.do("GET", "/connections/"+id+"/actions", nil), 409)
	assertError(t, e.do("PUT", "/connections/"+id, map[string]any{"name": "Signed Hook"}), 400, "metadata")
	assertError(t, e.do("PUT", "/connections/"+id, map[string]any{"name": "Signed Hook", "metadata": map[string]any{"url": "http://example.com"}}), 422, "metadata.url")
	assertError(t, e.do("GET", "/connections/"+newUUID(), nil), 404)
}

func TestConnectionActionsFieldsIntegrations(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Live Data")
	id := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	acts := e.must(200, e.do("GET", "/connections/"+id+"/actions", nil))
	add := acts["add_to_list"].(map[string]any)
	lists := add["lists"].([]any)
	if add["key"] != "add_to_list" || len(lists) == 0 || lists[0].(map[string]any)["id"] == "" {
		t.Fatalf("add_to_list: %v", add)
	}
	props := acts["update_property"].(map[string]any)["properties"].([]any)
	if opts := props[0].(map[string]any)["options"].([]any); len(opts) == 0 {
		t.Fatalf("properties need nested options: %v", props)
	}

	fields := e.must(200, e.do("GET", "/connections/"+id+"/fields", nil))
	if fields["connection_id"] != id || fields["integration_type"] != "hubspot" || len(fields["fields"].([]any)) == 0 {
		t.Fatalf("fields: %v", fields)
	}
	refreshed := e.must(200, e.do("GET", "/connections/"+id+"/fields?refresh=true", nil))
	if refreshed["id"] != fields["id"] {
		t.Fatal("refresh must keep the catalog identity")
	}
	assertError(t, e.do("GET", "/connections/"+id+"/fields?refresh=maybe", nil), 400, "refresh")

	var page listPage[integration]
	e.do("GET", "/integrations", nil).decode(t, &page)
	if page.Count != 15 || len(page.Records) != 15 {
		t.Fatalf("integrations: %d", page.Count)
	}
	seen := map[string]bool{}
	for _, in := range page.Records {
		seen[in.Type] = true
		if in.Name == "" || in.Authentication.Type == "" || len(in.Actions) == 0 {
			t.Errorf("incomplete integration %+v", in)
		}
	}
	for _, typ := range []string{"activecampaign", "aweber", "customer_io", "discord", "hubspot", "intercom", "mailchimp", "mailerlite", "pipedrive", "resend", "salesforce", "sendgrid", "slack", "webhook", "zoom"} {
		if !seen[typ] {
			t.Errorf("integration %s missing", typ)
		}
	}
}

func TestConnectionDelete(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Deletes")
	slack := func(name string) string { return e.connection(ws, "slack", name, map[string]any{}) }
	withRules := func(name string, n int) (string, []string) {
		id := slack(name)
		var rules []string
		for i := range n {
			rules = append(rules, e.rule(ws, id, "evt."+name+string(rune('a'+i)), map[string]any{"action": "send_message", "id": "C0123456789", "template": "hi"}, nil))
		}
		return id, rules
	}

	plain := slack("Plain")
	if got := e.must(200, e.do("DELETE", "/connections/"+plain, nil)); got["id"] != plain || got["type"] != "slack" {
		t.Fatalf("delete response %v", got)
	}
	assertError(t, e.do("DELETE", "/connections/"+plain, nil), 404)
	e.must(200, e.do("DELETE", "/connections/"+slack("EmptyObject"), map[string]any{}))

	busy, rules := withRules("Busy", 2)
	for _, body := range []any{nil, map[string]any{}, map[string]any{"force_delete": false}} {
		r := assertError(t, e.do("DELETE", "/connections/"+busy, body), 409)
		if !strings.Contains(r["message"].(string), "force_delete") {
			t.Errorf("409 should say how to proceed: %v", r["message"])
		}
	}
	assertError(t, e.do("DELETE", "/connections/"+busy, `{"force_delete":`), 400, "body")
	assertError(t, e.do("DELETE", "/connections/"+busy, map[string]any{"force_delete": "yes"}), 400, "force_delete")
	e.must(200, e.do("DELETE", "/connections/"+busy, map[string]any{"force_delete": true}))
	for _, id := range rules {
		assertError(t, e.do("GET", "/rules/"+id, nil), 404)
	}
	assertError(t, e.do("GET", "/connections/"+busy, nil), 404)
}
