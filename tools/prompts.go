package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// promptArg is one prompt argument. Its rule is not restated: it is the rule
// of the tool input field the prompt passes the value to (tool.field), so a
// prompt cannot accept a value the tool would then refuse. An argument with
// no tool field is free text (a workspace named by id or name).
type promptArg struct {
	name, description string
	required          bool
	tool, field       string
}

func (a promptArg) option() mcp.PromptOption {
	opts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.description)}
	if a.required {
		opts = append(opts, mcp.RequiredArgument())
	}
	return mcp.WithArgument(a.name, opts...)
}

// checkPromptArgs refuses a prompts/get whose arguments are missing or break
// their tool field's rule, naming the argument and the rule, instead of
// rendering a prompt with a hole in it ("workspace .").
func (c *Catalog) checkPromptArgs(p promptSpec, got map[string]string) error {
	var probs problems
	for _, a := range p.args {
		v, given := got[a.name]
		if !given || strings.TrimSpace(v) == "" {
			if a.required {
				probs.add(a.name, "is required (%s)", a.description)
			}
			continue
		}
		if a.tool == "" {
			continue
		}
		tool := c.byName[a.tool]
		d, err := tool.decoder()
		if err != nil {
			return err
		}
		value(argName(a.name), v, d.root.properties[a.field], &probs)
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if !slices.ContainsFunc(p.args, func(a promptArg) bool { return a.name == name }) {
			probs.add(name, "is not an argument of %s", p.name)
		}
	}
	if len(probs) > 0 {
		return &argError{msg: "invalid arguments for prompt " + p.name + ": " + strings.Join(probs, "; ")}
	}
	return nil
}

// argName renders a prompt argument's name where a path is expected.
type argName string

func (n argName) String() string { return string(n) }

// Prompts are the two journeys users ask for most; each spells out the tool
// sequence so the model does not have to discover it.
func (c *Catalog) prompts() []server.ServerPrompt {
	var out []server.ServerPrompt
	for _, p := range promptSpecs {
		out = append(out, c.serverPrompt(p))
	}
	return out
}

// promptSpec declares one prompt: its arguments and how its text renders.
type promptSpec struct {
	name, title, description string
	args                     []promptArg
	text                     func(map[string]string) string
}

var promptSpecs = []promptSpec{
	{"debug_failed_deliveries", "Debug failed deliveries",
		"Find a workspace's failed deliveries, explain them and fix what can be fixed.",
		[]promptArg{{name: "workspace_id", description: "Workspace ID (list_workspaces)", required: true, tool: "list_deliveries", field: "workspace_id"}},
		func(a map[string]string) string {
			ws := a["workspace_id"]
			return fmt.Sprintf(`Debug the failed deliveries of Meshes workspace %s.
1. Call list_deliveries {"workspace_id": %q, "status": "failed"}: Meshes filters by status itself, so one call finds failures however many newer events succeeded; it also lists deliveries still retrying. Note by_status and window (which events the counts cover); follow next_cursor for more.
2. For each distinct event_id (newest first, at most five), call diagnose_event: read outcome_code, destination_said (the destination's own answer) and cause.
3. Group the failures by cause (credentials, destination down, wrong URL, bad mapping, missing rule…). get_delivery shows every attempt and the destination's full answer when you need more.
4. Apply fixes that need no secrets you do not have (e.g. update_connection_mapping); ask me for credentials or URLs. Stop a delivery that keeps failing with cancel_delivery.
5. After each fix, make the finding's suggested next call (usually retry_delivery) and confirm with get_delivery.
Finish with a short table: event, connection, cause, what you did, outcome.`, ws, ws)
		}},
	{"provision_tenant", "Provision a tenant",
		"Set up a customer workspace like a reference tenant: export, plan, review, apply.",
		[]promptArg{
			{name: "name", description: "Workspace name (3-50 letters, digits, space, _ or -)", required: true, tool: "create_workspace", field: "name"},
			{name: "reference", description: "Workspace to copy (id or name), e.g. Acme Production"},
			{name: "integration", description: "Without a reference: integration type, e.g. webhook", tool: "list_integrations", field: "type"},
			{name: "event", description: "Without a reference: event to route, e.g. user.signup", tool: "send_event", field: "event"},
		},
		func(a map[string]string) string {
			return provisionText(a["name"], a["reference"], orDefault(a["integration"], "webhook"), orDefault(a["event"], "user.signup"))
		}},
}

// serverPrompt serves a prompt whose arguments are checked (checkPromptArgs)
// before its text renders. Transports refuse invalid arguments earlier, with
// the right error code (RefusePrompt); this check keeps a prompt with holes
// from ever rendering.
func (c *Catalog) serverPrompt(p promptSpec) server.ServerPrompt {
	opts := []mcp.PromptOption{mcp.WithPromptTitle(p.title), mcp.WithPromptDescription(p.description)}
	for _, a := range p.args {
		opts = append(opts, a.option())
	}
	return server.ServerPrompt{
		Prompt: mcp.NewPrompt(p.name, opts...),
		Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			if err := c.checkPromptArgs(p, req.Params.Arguments); err != nil {
				return nil, err
			}
			return promptResult(p.title, p.text(req.Params.Arguments)), nil
		},
	}
}

// RefusePrompt answers a prompts/get of one of the catalog's prompts whose
// arguments are missing or invalid: it returns the JSON-RPC error (-32602,
// invalid params, naming the argument and the rule) that the transport
// sends instead of passing the message on. mcp-go turns any prompt handler
// error into -32603 (internal error), which tells a client the server
// failed rather than that its request was wrong. Any other message is
// passed on (ok false).
func (c *Catalog) RefusePrompt(message []byte) (refusal mcp.JSONRPCError, ok bool) {
	if !bytes.Contains(message, []byte(`prompts/get`)) {
		return refusal, false
	}
	var req struct {
		ID     mcp.RequestId `json:"id"`
		Method string        `json:"method"`
		Params struct {
			Name      string            `json:"name"`
			Arguments map[string]string `json:"arguments"`
		} `json:"params"`
	}
	if json.Unmarshal(message, &req) != nil || req.Method != string(mcp.MethodPromptsGet) || req.ID.IsNil() {
		return refusal, false // mcp-go answers what it cannot parse
	}
	i := slices.IndexFunc(promptSpecs, func(p promptSpec) bool { return p.name == req.Params.Name })
	if i < 0 {
		return refusal, false
	}
	err := c.checkPromptArgs(promptSpecs[i], req.Params.Arguments)
	if err == nil {
		return refusal, false
	}
	return mcp.NewJSONRPCError(req.ID, mcp.INVALID_PARAMS, err.Error(), nil), true
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
		source = fmt.Sprintf("Ask me which workspace to copy (list_workspaces) and call export_workspace on it. If none fits, write a blueprint by hand (its schema is in plan_blueprint's input): one %s connection and a rule routing %q to it; list_integrations gives the settings, the actions, and connect: \"oauth\" for integrations a person must authorize in the dashboard.", integration, event)
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
