package tools_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// callJSON runs one tool on the stack and decodes its structured result.
func callJSON[T any](t *testing.T, s *teststack.Stack, tool, args string) T {
	t.Helper()
	res, err := s.Catalog.Call(t.Context(), tool, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		t.Fatalf("%s %s: %s", tool, args, raw)
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The first create_connection for a type with select fields used to fail
// with a 422: list_integrations dropped the options and defaults the
// catalog has. Built from what list_integrations returns alone, it works.
func TestListIntegrationsGivesWhatAFirstCreateNeeds(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	list := callJSON[schemas.ListIntegrationsOutput](t, s, "list_integrations", `{"type":"webhook"}`)
	if len(list.Integrations) != 1 {
		t.Fatalf("integrations = %+v", list.Integrations)
	}
	fields := map[string]schemas.AuthField{}
	for _, f := range list.Integrations[0].AuthFields {
		fields[f.Key] = f
	}
	if f := fields["http_method"]; f.Default != "POST" || !slices.Contains(f.Options, "PATCH") || f.Secret {
		t.Errorf("http_method = %+v, want default POST, its options, not secret", f)
	}
	if f := fields["auth_password"]; !f.Secret || f.When != "auth_scheme=basic" {
		t.Errorf("auth_password = %+v, want secret, used when auth_scheme=basic", f)
	}
	if f := fields["auth_scheme"]; f.Secret || f.Default != "none" {
		t.Errorf("auth_scheme = %+v, want a visible setting with default none", f)
	}
	metadata := map[string]any{}
	for key, f := range fields {
		switch {
		case f.Required:
			metadata[key] = "https://hooks.example.com/meshes"
		case f.Default != "" && f.When == "":
			metadata[key] = f.Default
		}
	}
	args, _ := json.Marshal(map[string]any{"workspace_id": s.IDs.Workspace, "type": "webhook", "name": "from the catalog", "metadata": metadata})
	created := callJSON[schemas.CreateConnectionOutput](t, s, "create_connection", string(args))
	if created.ID == "" || created.Notice != "" {
		t.Errorf("webhook connection = %+v, want created without a notice", created)
	}
}

// An OAuth integration is marked as one a person must authorize, and
// creating it through the API says so instead of only reporting success.
func TestOAuthIntegrationsSayAPersonMustAuthorize(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	list := callJSON[schemas.ListIntegrationsOutput](t, s, "list_integrations", `{}`)
	var oauth []string
	for _, in := range list.Integrations {
		if (in.Auth == "oauth") != (in.Connect != "") {
			t.Errorf("%s: auth %s but connect %q", in.Type, in.Auth, in.Connect)
		}
		if in.Auth == "oauth" {
			oauth = append(oauth, in.Type)
		}
	}
	if len(oauth) == 0 {
		t.Fatal("the sandbox catalog has no OAuth integration to test with")
	}
	args, _ := json.Marshal(map[string]any{"workspace_id": s.IDs.Workspace, "type": oauth[0], "name": "needs a person", "metadata": map[string]any{}})
	created := callJSON[schemas.CreateConnectionOutput](t, s, "create_connection", string(args))
	if !strings.Contains(created.Notice, "OAuth") || !strings.Contains(created.Notice, "create_session") {
		t.Errorf("notice = %q, want the OAuth step and the session call that starts it", created.Notice)
	}
}
