package stress

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

// pathIDs are the arguments that end up as URL path segments.
var pathIDs = map[string]bool{
	"workspace_id": true, "connection_id": true, "rule_id": true, "event_id": true, "session_id": true, "mapping_id": true,
}

// traversals are ways to climb out of, or add to, a path segment.
func traversals(valid string) []string {
	return []string{
		"..", "../", "../workspaces", "../../api/v1/workspaces", "%2e%2e", "%2E%2E%2Fworkspaces", "%252e%252e",
		"/", "a/b", "/workspaces", valid + "/../" + valid, valid + "%2f..", valid + "/", "..\\..", ".%2e",
		valid + "?force_delete=true", valid + "#x", " " + valid, valid + "\n", "sess_ok/../../rules",
	}
}

// TestPathTraversalIsRejectedBeforeAnyRequest tries every traversal in every
// id argument of every tool (nested ones included) and asserts the call is
// refused with an error naming the argument while nothing reaches the wire.
func TestPathTraversalIsRejectedBeforeAnyRequest(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	sess := newSession(t, s)
	base := map[string]toolCall{}
	for _, tc := range toolCalls {
		base[tc.tool] = tc
	}
	tried := 0
	for _, tool := range s.Catalog.All() {
		tc, ok := base[tool.Name]
		if !ok {
			t.Errorf("%s has no entry in toolCalls; add one so it is stressed too", tool.Name)
			continue
		}
		for _, arg := range idArguments(t, tool.Definition.RawInputSchema) {
			for _, attack := range traversals(s.IDs.Workspace) {
				args := withArgument(tc.args(t, s), arg, attack)
				from := len(s.Proxy.Requests())
				res := sess.call(tool.Name, args)
				tried++
				msg := text(res)
				field := arg[strings.LastIndex(arg, ".")+1:]
				if !res.IsError || !strings.Contains(msg, field) {
					t.Errorf("%s with %s=%q: want an error naming %s, got isError=%v %q", tool.Name, arg, attack, field, res.IsError, msg)
				}
				if sent := s.Proxy.Requests()[from:]; len(sent) > 0 {
					t.Errorf("%s with %s=%q: %d request(s) reached the wire, first %s %s", tool.Name, arg, attack, len(sent), sent[0].Method, sent[0].Path)
				}
			}
		}
	}
	if tried < 300 {
		t.Errorf("only %d attempts; the schemas' id arguments were not found", tried)
	}
	t.Logf("%d traversal attempts, all refused before any request", tried)
}

// idArguments lists the path-id arguments of an input schema: top-level
// names, and "events[].workspace_id" style names for array items.
func idArguments(t *testing.T, raw json.RawMessage) []string {
	var schema struct {
		Properties map[string]struct {
			Items struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var out []string
	for name, p := range schema.Properties {
		if pathIDs[name] {
			out = append(out, name)
		}
		for item := range p.Items.Properties {
			if pathIDs[item] {
				out = append(out, name+"[]."+item)
			}
		}
	}
	return out
}

// withArgument sets arg (possibly "list[].field", meaning every item) to v.
func withArgument(args map[string]any, arg string, v string) map[string]any {
	out := maps.Clone(args)
	list, field, nested := strings.Cut(arg, "[].")
	if !nested {
		out[arg] = v
		return out
	}
	items, _ := out[list].([]any)
	changed := make([]any, len(items))
	for i, it := range items {
		m := maps.Clone(it.(map[string]any))
		m[field] = v
		changed[i] = m
	}
	out[list] = changed
	return out
}
