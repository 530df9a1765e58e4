package tools_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/faultmeshes"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// TestEveryToolStaysInItsWorkspaces walks every tool of the catalog under a
// workspace allowlist, against the seeded sandbox behind a proxy that logs
// every request. Arguments come from each tool's input schema: required
// arguments get valid values of their type, format or enum, and every
// argument that names a workspace or an object (workspace_id,
// connection_id, rule_id, event_id, session_id, at the top level or inside
// a list's items) gets an id that exists. For each such argument in turn,
// the call gets another workspace's id there and allowed ids elsewhere. It
// must then be refused as outside the allowlist or not found, with nothing
// on the wire but the reads that establish an object's workspace. The one
// exception is an optional argument of a read tool that only filters an
// allowed workspace's records: the call may go ahead, but nothing of the
// other workspace may reach the wire or the result. Tools without such
// arguments (organisation-wide lists, the integration catalog) must show
// nothing of the other workspace.
//
// A tool added without its scope declaration fails here, or already in
// tools.New.
func TestEveryToolStaysInItsWorkspaces(t *testing.T) {
	stack := teststack.Start(t, teststack.Options{Retry: meshesapi.RetryPolicy{MaxAttempts: 1}})
	w := newScopeWorld(t, stack)
	catalog, err := tools.New(stack.Client, tools.Options{Policy: tools.Policy{Workspaces: []string{w.allowed[kindWorkspace]}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range catalog.All() {
		t.Run(tool.Name, func(t *testing.T) {
			var schema jsonSchema
			if err := json.Unmarshal(tool.Definition.RawInputSchema, &schema); err != nil {
				t.Fatal(err)
			}
			scoped := scopedArgs(&schema, "")
			if len(scoped) == 0 {
				w.callUnscoped(t, catalog, tool, &schema)
				return
			}
			for _, foreign := range scoped {
				t.Run(foreign.path, func(t *testing.T) {
					values := map[string]string{}
					for _, a := range scoped {
						values[a.path] = w.allowed[a.kind]
					}
					values[foreign.path] = w.foreign[foreign.kind]
					w.callScoped(t, catalog, tool, &schema, values, foreign)
				})
			}
		})
	}
}

// Object kinds, named as their id arguments are ("<kind>_id").
const (
	kindWorkspace  = "workspace"
	kindConnection = "connection"
	kindRule       = "rule"
	kindEvent      = "event"
	kindSession    = "session"
)

var scopedKinds = []string{kindWorkspace, kindConnection, kindRule, kindEvent, kindSession}

// scopeWorld is the seeded organisation seen from an allowlist of one of
// its workspaces: an existing id of every kind inside it and outside it.
type scopeWorld struct {
	stack            *teststack.Stack
	allowed, foreign map[string]string
}

func newScopeWorld(t *testing.T, stack *teststack.Stack) *scopeWorld {
	t.Helper()
	ctx := t.Context()
	ids := stack.IDs
	w := &scopeWorld{stack: stack,
		foreign: map[string]string{kindWorkspace: ids.Workspace, kindConnection: ids.Connection,
			kindRule: ids.Rule, kindEvent: ids.Event, kindSession: ids.Session},
		allowed: map[string]string{},
	}
	for _, ws := range stack.Sandbox.Server.Workspaces() {
		if ws.ID != ids.Workspace {
			w.allowed[kindWorkspace] = ws.ID
		}
	}
	ws := w.allowed[kindWorkspace]
	conns, err := stack.Client.ListWorkspaceConnections(ctx, ws, meshesapi.Page{})
	if err != nil || len(conns.Records) == 0 {
		t.Fatalf("the second seeded workspace has no connection: %v", err)
	}
	rules, err := stack.Client.ListWorkspaceRules(ctx, ws, meshesapi.RuleFilter{})
	if err != nil || len(rules.Records) == 0 {
		t.Fatalf("the second seeded workspace has no rule: %v", err)
	}
	events, err := stack.Client.ListWorkspaceEvents(ctx, ws, meshesapi.EventQuery{})
	if err != nil || len(events.Records) == 0 {
		t.Fatalf("the second seeded workspace has no event: %v", err)
	}
	session, err := stack.Client.CreateSession(ctx, meshesapi.CreateSessionRequest{WorkspaceID: ws})
	if err != nil {
		t.Fatal(err)
	}
	w.allowed[kindConnection] = conns.Records[0].ID
	w.allowed[kindRule] = rules.Records[0].ID
	w.allowed[kindEvent] = events.Records[0].ID
	w.allowed[kindSession] = session.SessionID
	for _, k := range scopedKinds {
		if w.allowed[k] == "" || w.foreign[k] == "" || strings.EqualFold(w.allowed[k], w.foreign[k]) {
			t.Fatalf("no distinct %s ids inside (%q) and outside (%q) the allowlist", k, w.allowed[k], w.foreign[k])
		}
	}
	return w
}

// establishingRead matches the requests allowed before a refusal: the read
// of one object by id, and the session search (Meshes has no "get
// session"), which reads the allowed workspaces only (checked separately).
var establishingRead = regexp.MustCompile(`^/api/v1/((connections|rules|events)/[^/]+|sessions)$`)

// call runs one tool call and returns its text, whether it was refused or
// failed, and the requests it put on the wire.
func (w *scopeWorld) call(t *testing.T, catalog *tools.Catalog, name string, args map[string]any) (text string, failed bool, sent []faultmeshes.Request) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	w.stack.Proxy.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := catalog.Call(ctx, name, raw)
	sent = w.stack.Proxy.Requests()
	if err != nil {
		return err.Error(), true, sent
	}
	return resultText(res), res.IsError, sent
}

func (w *scopeWorld) callScoped(t *testing.T, catalog *tools.Catalog, tool tools.Tool, schema *jsonSchema, values map[string]string, foreign scopedArg) {
	args := exampleObject(schema, "", values)
	text, failed, sent := w.call(t, catalog, tool.Name, args)
	refused := failed && (strings.Contains(text, "outside the workspaces this server may use") ||
		strings.Contains(text, foreign.kind+" "+w.foreign[foreign.kind]+" not found"))
	switch {
	case refused:
		for _, r := range sent {
			if r.Method != "GET" || !establishingRead.MatchString(r.Path) || (r.Path == "/api/v1/sessions" && !strings.Contains(r.Query, w.allowed[kindWorkspace])) {
				t.Errorf("refused, but only after %s %s?%s reached Meshes", r.Method, r.Path, r.Query)
			}
		}
	case tool.ReadOnly && !foreign.required && !failed:
		// An optional filter within allowed workspaces: nothing of the
		// other workspace may leave or come back.
		w.checkNoLeak(t, text, sent)
	default:
		t.Errorf("with %s=%s (outside the allowlist): want a refusal (outside the workspaces / not found), got error=%v: %s",
			foreign.path, w.foreign[foreign.kind], failed, text)
		for _, r := range sent {
			t.Logf("  sent %s %s?%s", r.Method, r.Path, r.Query)
		}
	}
}

// callUnscoped checks a tool that names no workspace or object: whatever it
// returns shows nothing of the other workspace.
func (w *scopeWorld) callUnscoped(t *testing.T, catalog *tools.Catalog, tool tools.Tool, schema *jsonSchema) {
	text, _, sent := w.call(t, catalog, tool.Name, exampleObject(schema, "", nil))
	w.checkNoLeak(t, text, sent)
}

func (w *scopeWorld) checkNoLeak(t *testing.T, text string, sent []faultmeshes.Request) {
	t.Helper()
	for _, k := range scopedKinds {
		id := w.foreign[k]
		if strings.Contains(strings.ToLower(text), strings.ToLower(id)) {
			t.Errorf("the result shows the %s %s outside the allowlist: %.300s", k, id, text)
		}
		for _, r := range sent {
			if strings.Contains(strings.ToLower(r.Path+"?"+r.Query), strings.ToLower(id)) {
				t.Errorf("%s %s?%s names the %s outside the allowlist", r.Method, r.Path, r.Query, k)
			}
		}
	}
}

// jsonSchema is the part of a tool's input schema the examples need.
type jsonSchema struct {
	Type    schemaType `json:"type"`
	Format  string     `json:"format"`
	Pattern string     `json:"pattern"`
	// Closed objects (Go structs) say additionalProperties false; free-form
	// ones (payload, metadata, a mapping document) leave it out.
	AdditionalProperties *bool                  `json:"additionalProperties"`
	Enum                 []any                  `json:"enum"`
	Properties           map[string]*jsonSchema `json:"properties"`
	Required             []string               `json:"required"`
	Items                *jsonSchema            `json:"items"`
	Minimum              *float64               `json:"minimum"`
	MinLength            int                    `json:"minLength"`
	MinItems             int                    `json:"minItems"`
}

// schemaType is a schema's type: one name, or a list with "null" (a
// nullable argument), read as its non-null member.
type schemaType string

func (t *schemaType) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*t = schemaType(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	for _, name := range many {
		if name != "null" {
			*t = schemaType(name)
		}
	}
	return nil
}

// scopedArg is an argument naming a workspace or an object, by its path
// ("workspace_id", "events[].workspace_id").
type scopedArg struct {
	path, kind string
	required   bool
}

// scopedArgs finds the arguments named "<kind>_id" for a scoped kind, in
// the object and in the items of its lists of objects.
func scopedArgs(s *jsonSchema, prefix string) []scopedArg {
	var out []scopedArg
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		required := slices.Contains(s.Required, name)
		if kind, ok := strings.CutSuffix(name, "_id"); ok && slices.Contains(scopedKinds, kind) {
			out = append(out, scopedArg{path: prefix + name, kind: kind, required: required})
		}
		if p.Type == "array" && p.Items != nil && p.Items.Type == "object" {
			for _, a := range scopedArgs(p.Items, prefix+name+"[].") {
				a.required = a.required && required
				out = append(out, a)
			}
		}
	}
	return out
}

// exampleObject builds an object the schema accepts: its required
// properties, plus every property values names (by path), set to that
// value.
func exampleObject(s *jsonSchema, prefix string, values map[string]string) map[string]any {
	if s.AdditionalProperties == nil {
		// A free-form object (payload, metadata, a mapping document, a
		// blueprint): its required keys, lists empty (the smallest valid
		// mapping or blueprint), and never empty (a payload must not be).
		out := map[string]any{}
		for _, name := range s.Required {
			if p := s.Properties[name]; p.Type == "array" {
				out[name] = []any{}
			} else {
				out[name] = exampleValue(p, prefix+name, values)
			}
		}
		if len(out) == 0 {
			out["example"] = "x"
		}
		return out
	}
	out := map[string]any{}
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		if v, ok := values[prefix+name]; ok {
			out[name] = v
			continue
		}
		nested := p.Type == "array" && p.Items != nil && hasPrefixKey(values, prefix+name+"[].")
		if !slices.Contains(s.Required, name) && !nested {
			continue
		}
		out[name] = exampleValue(p, prefix+name, values)
	}
	return out
}

func exampleValue(s *jsonSchema, path string, values map[string]string) any {
	switch {
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Format == "uuid", s.Pattern == schemas.UUIDPattern:
		return "123e4567-e89b-42d3-a456-426614174000"
	case s.Format == "uri":
		return "https://example.com"
	case s.Format == "email":
		return "a@example.com"
	case s.Format == "date-time":
		return "2026-01-01T00:00:00Z"
	}
	switch s.Type {
	case "object":
		return exampleObject(s, path+".", values)
	case "array":
		n := max(s.MinItems, 1)
		items := make([]any, n)
		for i := range items {
			items[i] = exampleValue(s.Items, path+"[]", values)
		}
		return items
	case "integer", "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1
	case "boolean":
		return false
	}
	return strings.Repeat("a", max(s.MinLength, 3))
}

func hasPrefixKey(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
