package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Prompts are the two journeys users ask for most; each spells out the tool
// sequence so the model does not have to discover it.
func (c *Catalog) prompts() []server.ServerPrompt {
	return []server.ServerPrompt{
		{
			Prompt: mcp.NewPrompt("debug_failed_deliveries",
				mcp.WithPromptTitle("Debug failed deliveries"),
				mcp.WithPromptDescription("Find a workspace's failed deliveries, explain them and fix what can be fixed."),
				mcp.WithArgument("workspace_id", mcp.RequiredArgument(), mcp.ArgumentDescription("Workspace ID")),
			),
			Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				ws := req.Params.Arguments["workspace_id"]
				return promptResult("Debug failed deliveries", fmt.Sprintf(`Debug the failed deliveries of Meshes workspace %s.
1. Call list_deliveries {"workspace_id": %q, "status": "failed"} and note by_status.
2. For each distinct event_id (newest first, at most five), call diagnose_event and read its findings.
3. Group the failures by cause (credentials, destination down, bad mapping, missing rule…).
4. Apply fixes that need no secrets you do not have (e.g. update_connection_mapping); ask me for credentials or URLs.
5. After each fix, call the finding's suggested next call (usually retry_delivery) and confirm with get_event.
Finish with a short table: event, connection, cause, what you did, outcome.`, ws, ws)), nil
			},
		},
		{
			Prompt: mcp.NewPrompt("provision_tenant",
				mcp.WithPromptTitle("Provision a tenant"),
				mcp.WithPromptDescription("Create a workspace for a customer, connect an integration and route an event to it."),
				mcp.WithArgument("name", mcp.RequiredArgument(), mcp.ArgumentDescription("Workspace name (3-50 letters, digits, space, _ or -)")),
				mcp.WithArgument("integration", mcp.ArgumentDescription("Integration type, e.g. webhook or hubspot")),
				mcp.WithArgument("event", mcp.ArgumentDescription("Event to route, e.g. user.signup")),
			),
			Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				a := req.Params.Arguments
				integration, event := orDefault(a["integration"], "webhook"), orDefault(a["event"], "user.signup")
				return promptResult("Provision a tenant", fmt.Sprintf(`Provision Meshes tenant %q with a %s integration for %s events.
1. list_workspaces: reuse a workspace named %q if it exists, else create_workspace.
2. list_integrations {"type": %q}: read auth_fields and actions; ask me for any credential values.
3. create_connection in the workspace with those metadata keys.
4. Pick the action; if it needs an id, choose it from list_connection_actions.
5. create_rule routing %q to that connection and action.
6. send_event a realistic test %q (include email), then get_event until its delivery completes; if it fails, diagnose_event.
Report the workspace, connection and rule ids and the test outcome.`, a["name"], integration, event, a["name"], integration, event, event)), nil
			},
		},
	}
}

func promptResult(description, text string) *mcp.GetPromptResult {
	return mcp.NewGetPromptResult(description, []mcp.PromptMessage{
		mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text)),
	})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
