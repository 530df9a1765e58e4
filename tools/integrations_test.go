package tools_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// The first create_connection for a type with select fields used to fail
// with a 422: list_integrations dropped the options and defaults the
// catalog has. Built from what list_integrations returns alone, it works.
func TestListIntegrationsGivesWhatAFirstCreateNeeds(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	var list schemas.ListIntegrationsOutput
	callCatalog(t, s.Catalog, "list_integrations", map[string]any{"type": "webhook"}, &list)
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
	var created schemas.CreateConnectionOutput
	callCatalog(t, s.Catalog, "create_connection", map[string]any{"workspace_id": s.IDs.Workspace, "type": "webhook", "name": "from the catalog", "metadata": metadata}, &created)
	if created.ID == "" || created.Notice != "" {
		t.Errorf("webhook connection = %+v, want created without a notice", created)
	}
}

// An OAuth integration is marked as one a person must authorize, and
// creating it through the API says so instead of only reporting success.
func TestOAuthIntegrationsSayAPersonMustAuthorize(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	var list schemas.ListIntegrationsOutput
	callCatalog(t, s.Catalog, "list_integrations", map[string]any{}, &list)
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
	var created schemas.CreateConnectionOutput
	callCatalog(t, s.Catalog, "create_connection", map[string]any{"workspace_id": s.IDs.Workspace, "type": oauth[0], "name": "needs a person", "metadata": map[string]any{}}, &created)
	if !strings.Contains(created.Notice, "OAuth") || !strings.Contains(created.Notice, "create_session") {
		t.Errorf("notice = %q, want the OAuth step and the session call that starts it", created.Notice)
	}
}
