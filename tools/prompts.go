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
1. Call list_deliveries {"workspace_id": %q, "status": "failed"}: Meshes filters by status itself, so one call finds failures however many newer events succeeded; it also lists deliveries still retrying. Note by_status and window (which events the counts cover); follow next_cursor for more.
2. For each distinct event_id (newest first, at most five), call diagnose_event: read outcome_code, destination_said (the destination's own answer) and cause.
3. Group the failures by cause (credentials, destination down, wrong URL, bad mapping, missing rule…). get_delivery shows every attempt and the destination's full answer when you need more.
4. Apply fixes that need no secrets you do not have (e.g. update_connection_mapping); ask me for credentials or URLs. Stop a delivery that keeps failing with cancel_delivery.
5. After each fix, make the finding's suggested next call (usually retry_delivery) and confirm with get_delivery.
Finish with a short table: event, connection, cause, what you did, outcome.`, ws, ws)), nil
			},
		},
		{
			Prompt: mcp.NewPrompt("provision_tenant",
				mcp.WithPromptTitle("Provision a tenant"),
				mcp.WithPromptDescription("Set up a customer workspace like a reference tenant: export, plan, review, apply."),
				mcp.WithArgument("name", mcp.RequiredArgument(), mcp.ArgumentDescription("Workspace name (3-50 letters, digits, space, _ or -)")),
				mcp.WithArgument("reference", mcp.ArgumentDescription("Workspace to copy (id or name), e.g. Acme Production")),
				mcp.WithArgument("integration", mcp.ArgumentDescription("Without a reference: integration type, e.g. webhook")),
				mcp.WithArgument("event", mcp.ArgumentDescription("Without a reference: event to route, e.g. user.signup")),
			),
			Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				a := req.Params.Arguments
				return promptResult("Provision a tenant", provisionText(a["name"], a["reference"], orDefault(a["integration"], "webhook"), orDefault(a["event"], "user.signup"))), nil
			},
		},
	}
}

func promptResult(description, text string) *mcp.GetPromptResult {
	return mcp.NewGetPromptResult(description, []mcp.PromptMessage{
		mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text)),
	})
}

// provisionText is the provisioning journey: a tenant is set up from a
// blueprint in one reviewed step, so nothing is half-built or duplicated.
func provisionText(name, reference, integration, event string) string {
	source := fmt.Sprintf("Reference tenant: %q (list_workspaces gives its id if that is a name). Call export_workspace on it for its blueprint.", reference)
	if reference == "" {
		source = fmt.Sprintf("Ask me which workspace to copy (list_workspaces) and call export_workspace on it. If none fits, write a blueprint by hand (its schema is in plan_blueprint's input): one %s connection and a rule routing %q to it; list_integrations gives the settings and actions.", integration, event)
	}
	return fmt.Sprintf(`Provision Meshes tenant %q as a copy of a reference tenant, in one reviewed step.
1. %s
2. plan_blueprint {"blueprint": <it>, "workspace_name": %q}.
3. Show me the plan: its steps, the OAuth connections a person must make (manual), the secrets it needs and what differs. Ask me for the secret values and wait for my go-ahead; change nothing before.
4. apply_blueprint with the same blueprint and workspace_name plus the secrets. If it stops at a failure, tell me what was done and why it failed; after the fix, apply again (it makes only what is missing).
5. For each manual step, make its create_session call and ask me to connect the account there; then plan_blueprint and apply_blueprint again for the rules that waited.
6. When plan_blueprint shows no steps, send_event a realistic test event (include email) and follow it with get_event; if a delivery fails, diagnose_event.
Report the workspace id, what was created, and what is left for a person.`, name, source, name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
