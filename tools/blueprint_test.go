package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Export hides every value the project's redaction hides, plus the
// catalog's password fields, behind placeholders named after the
// connection; everything else is kept as it is.
func TestExportSettingsReplacesSecretsWithPlaceholders(t *testing.T) {
	md := map[string]any{
		"url":            "https://hooks.example.com/T000/B000/abcdefghijklmnop0123456789",
		"payload_mode":   "wrapped",
		"auth_scheme":    "bearer",
		"auth_token":     "********",
		"region":         "us",
		"cdpApiKey":      "short",
		"headers":        map[string]any{"X-Api-Key": "k-123", "X-Team": "growth"},
		"signing_secret": "",
	}
	got, names := exportSettings("Hook", md, map[string]bool{"cdpApiKey": true})
	want := map[string]any{
		"url":            schemas.SecretPlaceholder("Hook.url"),
		"payload_mode":   "wrapped",
		"auth_scheme":    "bearer",
		"auth_token":     schemas.SecretPlaceholder("Hook.auth_token"),
		"region":         "us",
		"cdpApiKey":      schemas.SecretPlaceholder("Hook.cdpApiKey"),
		"headers":        map[string]any{"X-Api-Key": schemas.SecretPlaceholder("Hook.headers.X-Api-Key"), "X-Team": "growth"},
		"signing_secret": "",
	}
	if canonicalJSON(got) != canonicalJSON(want) {
		t.Errorf("exportSettings =\n%s\nwant\n%s", canonicalJSON(got), canonicalJSON(want))
	}
	if len(names) != 4 {
		t.Errorf("placeholder names = %v, want 4", names)
	}
	if md["auth_token"] != "********" {
		t.Error("exportSettings modified its input")
	}
}

func TestLiteralSecretsFindsCredentialsButNotPlaceholders(t *testing.T) {
	md := map[string]any{
		"url":         "https://example.com/in",
		"auth_scheme": "header",
		"auth_header": "Bearer ${secret:tok}",
		"api_key":     "${secret:key}",
		"label":       "plain words",
		"headers":     map[string]any{"Authorization": "Bearer abcdefghijklmnop1234"},
	}
	if got := literalSecrets(md, nil); strings.Join(got, ",") != "headers.Authorization" {
		t.Errorf("literalSecrets = %v, want only headers.Authorization", got)
	}
	if got := literalSecrets(map[string]any{"password_hint": "x", "api_key": "abc"}, map[string]bool{"password_hint": true}); len(got) != 2 {
		t.Errorf("catalog password field and a key-named value not both found: %v", got)
	}
}

func TestSameSettingsTreatsPlaceholdersAsUnknownSecrets(t *testing.T) {
	bp := map[string]any{"url": "https://a.example/x", "api_key": "${secret:k}", "n": 1}
	tests := []struct {
		name   string
		target map[string]any
		same   bool
	}{
		{"secret hidden in the target", map[string]any{"url": "https://a.example/x", "api_key": "${secret:C.api_key}", "n": 1.0}, true},
		{"secret not returned at all", map[string]any{"url": "https://a.example/x", "n": 1}, true},
		{"other url", map[string]any{"url": "https://b.example/x", "api_key": "${secret:C.api_key}", "n": 1}, false},
		{"extra key in the target", map[string]any{"url": "https://a.example/x", "n": 1, "region": "eu"}, false},
		{"a literal where the blueprint has a secret", map[string]any{"url": "https://a.example/x", "api_key": "visible", "n": 1}, false},
	}
	for _, tt := range tests {
		if got := sameSettings(bp, tt.target); got != tt.same {
			t.Errorf("%s: sameSettings = %v, want %v", tt.name, got, tt.same)
		}
	}
}

func TestFillSecretsReplacesEveryPlaceholder(t *testing.T) {
	md := map[string]any{"a": "${secret:x}", "h": []any{map[string]any{"value": "Bearer ${secret:y}"}}, "n": 3}
	got := canonicalJSON(fillSecrets(md, map[string]string{"x": "one", "y": "two"}))
	if got != `{"a":"one","h":[{"value":"Bearer two"}],"n":3}` {
		t.Errorf("fillSecrets = %s", got)
	}
}

func TestCheckBlueprintAndSecrets(t *testing.T) {
	conn := func(name string, md map[string]any) schemas.BlueprintConnection {
		return schemas.BlueprintConnection{Name: name, Type: "webhook", Metadata: md}
	}
	rule := func(conn, action, id string) schemas.BlueprintRule {
		r := schemas.BlueprintRule{Event: "user.signup", Connection: conn, Action: action}
		if id != "" {
			r.Metadata = map[string]any{"id": id}
		}
		return r
	}
	tests := []struct {
		name string
		bp   schemas.Blueprint
		want string
	}{
		{"duplicate connection", schemas.Blueprint{Connections: []schemas.BlueprintConnection{conn("A", nil), conn("a", nil)}}, "repeats the name of connections[0]"},
		{"rule on a missing connection", schemas.Blueprint{Connections: []schemas.BlueprintConnection{conn("A", nil)}, Rules: []schemas.BlueprintRule{rule("B", "send_webhook", "")}}, `"B" is not the name of a connection`},
		{"duplicate rule", schemas.Blueprint{Connections: []schemas.BlueprintConnection{conn("A", nil)}, Rules: []schemas.BlueprintRule{rule("A", "add", "1"), rule("A", "add", "1")}}, "as rules[0]"},
		{"two rules differing by item", schemas.Blueprint{Connections: []schemas.BlueprintConnection{conn("A", nil)}, Rules: []schemas.BlueprintRule{rule("A", "add", "1"), rule("A", "add", "2")}}, ""},
		{"unnamed placeholder", schemas.Blueprint{Connections: []schemas.BlueprintConnection{conn("A", map[string]any{"auth_token": "${secret:}"})}}, "without a name"},
		{"bad mapping", schemas.Blueprint{Connections: []schemas.BlueprintConnection{{Name: "A", Type: "webhook", Mapping: map[string]any{"schema_version": 2, "fields": []any{}}}}}, "blueprint.connections[0].mapping.schema_version must be 1"},
	}
	for _, tt := range tests {
		_, err := checkBlueprint(&tt.bp)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(errorText(err), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}

	needed := []string{"a", "b"}
	pairs := func(kv ...string) []schemas.SecretValue {
		var out []schemas.SecretValue
		for i := 0; i < len(kv); i += 2 {
			out = append(out, schemas.SecretValue{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tt := range []struct {
		given []schemas.SecretValue
		want  string
	}{
		{pairs("a", "1"), `secrets lacks "b"`},
		{pairs("a", "1", "b", "2", "c", "3"), `secrets[2].name "c" is not a placeholder`},
		{pairs("a", "1", "a", "2"), `secrets[1].name repeats "a"`},
		{pairs("a", "1", "b", " "), "secrets[1].value is empty"},
		{pairs("a", "1", "b", "[redacted]"), "secrets[1].value holds a redacted placeholder"},
		{pairs("b", "2", "a", "1"), ""},
	} {
		got, err := checkSecrets(needed, tt.given)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkSecrets(%v) = %v, want %q", tt.given, err, tt.want)
		}
		if err == nil && (got["a"] != "1" || got["b"] != "2") {
			t.Errorf("checkSecrets(%v) = %v", tt.given, got)
		}
	}
}

// docs/blueprints.md shows the blueprint schema exactly as plan_blueprint
// publishes it; UPDATE_SNAPSHOTS=1 rewrites it.
func TestBlueprintDocShowsThePublishedSchema(t *testing.T) {
	const path = "../docs/blueprints.md"
	const begin, end = "<!-- blueprint-schema:begin -->\n", "<!-- blueprint-schema:end -->"
	c := newTestCatalog(t, Options{})
	var input struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(c.byName["plan_blueprint"].Definition.RawInputSchema, &input); err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, input.Properties["blueprint"], "", "  "); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok1 := strings.Cut(string(doc), begin)
	_, tail, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the blueprint-schema markers", path)
	}
	want := head + begin + "```json\n" + pretty.String() + "\n```\n" + end + tail
	if want == string(doc) {
		return
	}
	if os.Getenv("UPDATE_SNAPSHOTS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s shows an outdated blueprint schema; run UPDATE_SNAPSHOTS=1 go test ./tools/", path)
}

// Connections match by name whatever the case, so rules on them match too;
// a connection of another type and a missing OAuth connection hold back
// their rules with the reason, and neither is created by apply.
func TestComputePlanMatchesByNameAndHoldsBackBlockedRules(t *testing.T) {
	integ := func(typ, auth string) *meshesapi.Integration {
		return &meshesapi.Integration{Type: typ, Authentication: meshesapi.IntegrationAuthentication{Type: auth}}
	}
	tg := &target{workspaceID: "w1", name: "Tenant",
		catalog: map[string]*meshesapi.Integration{"webhook": integ("webhook", "none"), "hubspot": integ("hubspot", "oauth"), "mailchimp": integ("mailchimp", "api_key")},
		conns: []meshesapi.Connection{
			{ID: "c1", Type: "webhook", Name: "hook", Metadata: map[string]any{"url": "https://example.com/in"}},
			{ID: "c2", Type: "hubspot", Name: "Mail"},
		},
		rules:    []meshesapi.Rule{{ID: "r1", Connection: "c1", Event: "a", Metadata: map[string]any{"action": "send_webhook"}}},
		mappings: map[string]*meshesapi.MappingResponse{},
	}
	bp := &schemas.Blueprint{Version: 1,
		Connections: []schemas.BlueprintConnection{
			{Name: "Hook", Type: "webhook", Metadata: map[string]any{"url": "https://example.com/in"}},
			{Name: "Mail", Type: "mailchimp", Metadata: map[string]any{"api_key": "${secret:k}"}},
			{Name: "CRM", Type: "hubspot"},
		},
		Rules: []schemas.BlueprintRule{
			{Event: "a", Connection: "Hook", Action: "send_webhook"},
			{Event: "b", Connection: "Mail", Action: "add_to_list", Metadata: map[string]any{"id": "1"}},
			{Event: "c", Connection: "CRM", Action: "add_to_list", Metadata: map[string]any{"id": "2"}},
		},
	}
	p, err := computePlan(bp, tg, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 0 || p.Unchanged != 2 || len(p.OnlyInTarget) != 0 {
		t.Errorf("steps %v, unchanged %d, only in target %v; want nothing to do for Hook and its rule", p.Steps, p.Unchanged, p.OnlyInTarget)
	}
	if len(p.Differs) != 1 || p.Differs[0].ID != "c2" || len(p.Manual) != 1 || p.Manual[0].Connection != "CRM" {
		t.Errorf("differs %v, manual %v", p.Differs, p.Manual)
	}
	if len(p.Waiting) != 2 || !strings.Contains(p.Waiting[0].Detail, "is a hubspot connection") || !strings.Contains(p.Waiting[1].Detail, "OAuth") {
		t.Errorf("waiting = %+v", p.Waiting)
	}
}

// mappingless answers a plan's reads for a workspace of one connection
// whose default mapping Meshes refuses to produce (409, as the contract
// allows for GET .../mappings/default).
type mappingless struct{ meshesCalls }

func (mappingless) ListIntegrations(context.Context, meshesapi.Page) (*meshesapi.List[meshesapi.Integration], error) {
	return &meshesapi.List[meshesapi.Integration]{Records: []meshesapi.Integration{{Type: "slack", Authentication: meshesapi.IntegrationAuthentication{Type: "oauth"}}}}, nil
}

func (mappingless) GetWorkspace(_ context.Context, id string) (*meshesapi.Workspace, error) {
	return &meshesapi.Workspace{ID: id, Name: "Tenant"}, nil
}

func (mappingless) ListWorkspaceConnections(_ context.Context, ws string, _ meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error) {
	return &meshesapi.List[meshesapi.Connection]{Records: []meshesapi.Connection{{ID: "c1", Workspace: ws, Type: "slack", Name: "Alerts"}}}, nil
}

func (mappingless) ListWorkspaceRules(context.Context, string, meshesapi.RuleFilter) (*meshesapi.List[meshesapi.Rule], error) {
	return &meshesapi.List[meshesapi.Rule]{}, nil
}

func (mappingless) GetDefaultMapping(context.Context, string) (*meshesapi.MappingResponse, error) {
	return nil, &meshesapi.APIError{Status: 409}
}

func TestReadTargetTakesARefusedMappingAsNoneStored(t *testing.T) {
	c := &Catalog{client: mappingless{}}
	tg, err := c.readTarget(context.Background(), &schemas.BlueprintTarget{WorkspaceID: "123e4567-e89b-42d3-a456-426614174000"})
	if err != nil {
		t.Fatalf("readTarget: %v", err)
	}
	if len(tg.conns) != 1 || storedMapping(tg.mappings["c1"]) != nil {
		t.Errorf("target = %+v", tg)
	}
}

// goneWorkspace is a workspace that no longer exists, read in one wave: its
// connections fail at once with an unrelated error, the workspace itself
// later with its 404.
type goneWorkspace struct{ mappingless }

func (goneWorkspace) GetWorkspace(context.Context, string) (*meshesapi.Workspace, error) {
	time.Sleep(20 * time.Millisecond)
	return nil, &meshesapi.APIError{Status: 404, Message: "Workspace not found"}
}

func (goneWorkspace) ListWorkspaceConnections(context.Context, string, meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error) {
	return nil, errors.New("connections unreadable")
}

// The reads of a target go out together, but the error reported is the one
// reading them in order would have stopped at: the workspace's 404, not
// whichever answer came back first.
func TestReadTargetReportsTheFirstFailingReadInOrder(t *testing.T) {
	c := &Catalog{client: goneWorkspace{}}
	_, err := c.readTarget(context.Background(), &schemas.BlueprintTarget{WorkspaceID: "123e4567-e89b-42d3-a456-426614174000"})
	if !meshesapi.IsNotFound(err) {
		t.Fatalf("readTarget error = %v, want the workspace's 404", err)
	}
}
