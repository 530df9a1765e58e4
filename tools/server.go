package tools

import (
	"context"
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// instructions is what an MCP host tells the model about the server as a
// whole; it is sent once per session, so it is kept to the workflow.
const instructions = `Meshes routes a product's events to integrations (CRMs, email, Slack, webhooks) per workspace (tenant).
Workflow: discover (list_workspaces, list_integrations) → connect (create_connection) → route (create_rule; ids from list_connection_actions) → send (send_event) → inspect (get_event, list_deliveries) → diagnose (diagnose_event, then its suggested call, e.g. retry_delivery).
Delivery is asynchronous: a sent event is queued, so check it with get_event. Lists return next_cursor when there is more.`

// MCPServer returns an MCP server exposing the catalog: the tools the
// effective policy allows (listing and calling), two workflow prompts,
// panic recovery, and output-schema validation so no result breaks its
// declared shape. Each transport may attach a narrower per-request policy
// with WithPolicy.
func (c *Catalog) MCPServer(version string) *server.MCPServer {
	s := server.NewMCPServer("meshes-mcp", version,
		server.WithTitle("Meshes"),
		server.WithInstructions(instructions),
		server.WithToolCapabilities(false),
		server.WithPromptCapabilities(false),
		server.WithToolFilter(c.filter),
		server.WithRecovery(),
		server.WithOutputSchemaValidation(),
	)
	serverTools := make([]server.ServerTool, 0, len(c.tools))
	for i := range c.tools {
		serverTools = append(serverTools, server.ServerTool{Tool: c.tools[i].Definition, Handler: c.handler(&c.tools[i])})
	}
	s.AddTools(serverTools...)
	s.AddPrompts(c.prompts()...)
	return s
}

// filter hides the tools the effective policy forbids. mcp-go applies it to
// tools/list and, with the single requested tool, to tools/call.
func (c *Catalog) filter(ctx context.Context, list []mcp.Tool) []mcp.Tool {
	pol := c.effectivePolicy(ctx)
	out := make([]mcp.Tool, 0, len(list))
	for _, t := range list {
		if ct, ok := c.byName[t.Name]; ok && pol.allows(ct) {
			out = append(out, t)
		}
	}
	return out
}

func (c *Catalog) handler(t *Tool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args json.RawMessage
		switch a := req.GetRawArguments().(type) {
		case json.RawMessage:
			args = a
		case nil:
		default:
			b, err := json.Marshal(a)
			if err != nil {
				return mcp.NewToolResultError("arguments could not be read as JSON."), nil
			}
			args = b
		}
		if req.Params.Meta != nil && req.Params.Meta.ProgressToken != nil {
			ctx = withProgress(ctx, mcpProgress(ctx, req.Params.Meta.ProgressToken))
		}
		return c.run(ctx, t, args), nil
	}
}

// progressFunc reports that done of total units of a long call are finished.
type progressFunc func(done, total int, message string)

type progressKey struct{}

func withProgress(ctx context.Context, f progressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// reportProgress sends a progress update if the caller asked for them.
func reportProgress(ctx context.Context, done, total int, message string) {
	if f, ok := ctx.Value(progressKey{}).(progressFunc); ok {
		f(done, total, message)
	}
}

// mcpProgress sends notifications/progress for token to the calling session.
func mcpProgress(ctx context.Context, token mcp.ProgressToken) progressFunc {
	srv := server.ServerFromContext(ctx)
	return func(done, total int, message string) {
		if srv == nil {
			return
		}
		// A client that went away cannot be told; the call itself carries on.
		_ = srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
			"progressToken": token,
			"progress":      done,
			"total":         total,
			"message":       message,
		})
	}
}
