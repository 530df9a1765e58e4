package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// instructions is what an MCP host tells the model about the server as a
// whole; it is sent once per session, so it is kept to the workflow.
const instructions = `Meshes routes a product's events to integrations (CRMs, email, Slack, webhooks) per workspace (tenant).
Workflow: discover (list_workspaces, list_integrations) → connect (create_connection) → route (create_rule; ids from list_connection_actions) → send (send_event) → inspect (get_event; list_deliveries {status: "failed"} finds failures on any workspace in one call) → diagnose (diagnose_event, then its suggested call, e.g. retry_delivery; get_delivery shows the destination's own answer; cancel_delivery stops a delivery that keeps failing).
Copy or provision a whole tenant: export_workspace → plan_blueprint (show it) → apply_blueprint.
Delivery is asynchronous: a sent event is queued, so check it with get_event. Lists return next_cursor when there is more.`

// MCPServer returns an MCP server exposing the catalog: the tools the
// effective policy allows (listing and calling), two workflow prompts,
// panic recovery, and output-schema validation so no result breaks its
// declared shape. Each transport may attach a narrower per-request policy
// with WithPolicy. mcp-go's input schema validation stays off: the
// handlers validate the raw arguments themselves, and the transports lift
// those past mcp-go (internal/argstash), so mcp-go would validate {}.
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

// filter hides the tools the effective policy forbids from tools/list.
// mcp-go (v1.2.1, passesToolFilters) also runs the filter at tools/call time
// with the single requested tool, and answers a filtered-out tool with
// "tool 'x' not found", which tells an agent nothing. A one-tool list is
// therefore let through (a listing always holds the whole catalog, which
// has many tools): the call reaches Catalog.run, which refuses it with the
// policy that forbids it, before any argument is read or request sent.
func (c *Catalog) filter(ctx context.Context, list []mcp.Tool) []mcp.Tool {
	if len(list) == 1 && len(c.tools) > 1 {
		return list
	}
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
		args, refusal := c.callArguments(req)
		if refusal != "" {
			return mcp.NewToolResultError(refusal), nil
		}
		if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
			return c.run(ctx, t, args), nil
		}
		rep := &progressReporter{send: mcpProgress(ctx, req.Params.Meta.ProgressToken)}
		ctx = meshesapi.WithRetryNotice(withProgress(ctx, rep.step), rep.retrying)
		res := c.run(ctx, t, args)
		letStreamableHTTPWriteNotifications(ctx)
		return res, nil
	}
}

// ArgumentStash is where a transport that sees each message before mcp-go
// may lift a tool call's arguments, so that mcp-go does not decode them
// into a map nobody reads (see argstash); the handlers take them back.
func (c *Catalog) ArgumentStash() *argstash.Stash { return c.arguments }

// callArguments returns a call's arguments as raw JSON: from the stash
// when the transport lifted them, else as mcp-go kept them. It refuses a
// call whose _meta names the stash's key with a token the stash does not
// hold: the key is this server's own, and a client must not send it.
func (c *Catalog) callArguments(req mcp.CallToolRequest) (args json.RawMessage, refusal string) {
	if req.Params.Meta != nil {
		if token, lifted := req.Params.Meta.AdditionalFields[argstash.MetaKey]; lifted {
			if s, ok := token.(string); ok {
				if args, ok := c.arguments.Take(s); ok {
					return args, ""
				}
			}
			return nil, reservedMetaKeyText(argstash.MetaKey)
		}
	}
	switch a := req.GetRawArguments().(type) {
	case json.RawMessage:
		return a, ""
	case nil:
		return nil, ""
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return nil, argumentsNotJSONText
		}
		return b, ""
	}
}

// letStreamableHTTPWriteNotifications holds a finished call's result back
// until mcp-go's streamable HTTP transport has written the notifications
// the call queued. In mcp-go v1.2.1 that transport's forwarder can take a
// notification off the queue and then lose the race for the response
// writer to the result, and it drops what it holds
// (mark3labs/mcp-go#969): the last progress update of about one
// send_events call in five never reached the client, whose progress then
// stopped short of the total. Nothing in mcp-go signals the write, so the
// wait is: until the queue is empty (the forwarder holds the last one),
// then notificationWriteGrace for it to write it. Remove this once mcp-go
// has the fix.
func letStreamableHTTPWriteNotifications(ctx context.Context) {
	session := server.ClientSessionFromContext(ctx)
	if _, streamable := session.(server.SessionWithStreamableHTTPConfig); !streamable {
		return
	}
	queue := session.NotificationChannel()
	for deadline := time.Now().Add(notificationQueueWait); len(queue) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
	time.Sleep(notificationWriteGrace)
}

const (
	// notificationQueueWait bounds the wait for the queue to empty: a
	// client that stopped reading must not hold a finished call.
	notificationQueueWait = 100 * time.Millisecond
	// notificationWriteGrace is ample for a forwarder that is already
	// running: over 120 calls, none lost an update with it, against 5 in
	// 60 without.
	notificationWriteGrace = time.Millisecond
)

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

// progressReporter keeps one call's progress values strictly increasing, as
// MCP requires, while two sources report: the tool's own steps (done of
// total) and the client's retries, which come between steps.
type progressReporter struct {
	send  func(progress float64, total int, message string)
	mu    sync.Mutex
	last  float64
	total int
}

func (p *progressReporter) step(done, total int, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if float64(done) <= p.last {
		return
	}
	p.last, p.total = float64(done), total
	p.send(p.last, total, message)
}

// retrying reports a retry as progress halfway between the last value and
// the next whole step, so that no later step is ever below it.
func (p *progressReporter) retrying(n meshesapi.RetryNotice) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last += (math.Floor(p.last) + 1 - p.last) / 2
	p.send(p.last, p.total, fmt.Sprintf("%s %s: %s; retrying in %s (attempt %d of %d)",
		n.Method, n.Path, n.Reason, n.Wait.Round(time.Millisecond), n.Attempt+1, n.MaxAttempts))
}

// mcpProgress sends notifications/progress for token to the calling
// session; a total of 0 is left out.
func mcpProgress(ctx context.Context, token mcp.ProgressToken) func(float64, int, string) {
	srv := server.ServerFromContext(ctx)
	return func(progress float64, total int, message string) {
		if srv == nil {
			return
		}
		params := map[string]any{"progressToken": token, "progress": progress, "message": message}
		if total > 0 {
			params["total"] = total
		}
		// A client that went away cannot be told; the call itself carries on.
		_ = srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), params)
	}
}
