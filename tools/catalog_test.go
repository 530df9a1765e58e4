package tools

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func newTestCatalog(t *testing.T, opts Options) *Catalog {
	t.Helper()
	c, err := New(nil, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// mustDecoder returns a tool's argument decoder, built on first use.
func mustDecoder(t *testing.T, tool *Tool) *argDecoder {
	t.Helper()
	d, err := tool.decoder()
	if err != nil {
		t.Fatalf("%s: argument decoder: %v", tool.Name, err)
	}
	return d
}

// With a publishable key the workspace is implied, so events may omit it.
func TestSendEventWorkspaceOptionalWithPublishableKey(t *testing.T) {
	c := newTestCatalog(t, Options{PublishableKey: true})
	for _, name := range []string{"send_event", "send_events"} {
		raw := string(c.byName[name].Definition.RawInputSchema)
		if strings.Contains(raw, `"required":["workspace_id"`) {
			t.Errorf("%s requires workspace_id although a publishable key is configured: %s", name, raw)
		}
	}
	if _, err := mustDecoder(t, c.byName["send_event"]).decode(json.RawMessage(`{"event":"a.b","payload":{"email":"x@y.z"}}`)); err != nil {
		t.Errorf("send_event without workspace_id rejected with a publishable key: %v", err)
	}
}

var toolName = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)

// Guard rails in the style of github-mcp-server: every tool is well formed
// and its annotations tell hosts the truth.
func TestToolGuardRails(t *testing.T) {
	c := newTestCatalog(t, Options{})
	seen := map[string]bool{}
	for _, tool := range c.All() {
		t.Run(tool.Name, func(t *testing.T) {
			d := tool.Definition
			if seen[tool.Name] {
				t.Error("duplicate name")
			}
			seen[tool.Name] = true
			if !toolName.MatchString(tool.Name) || len(tool.Name) > 32 {
				t.Errorf("name %q must be short snake_case", tool.Name)
			}
			if d.Name != tool.Name || d.Title == "" || d.Title != tool.Title || d.Annotations.Title != tool.Title {
				t.Errorf("name/title inconsistent: %q %q %q", d.Name, d.Title, d.Annotations.Title)
			}
			if d.Description == "" || strings.Contains(d.Description, "\n") || len(d.Description) > 100 || d.Description != tool.Description {
				t.Errorf("description must be one short line: %q", d.Description)
			}
			if !slices.Contains(Toolsets(), tool.Toolset) {
				t.Errorf("toolset %q unknown", tool.Toolset)
			}
			a := d.Annotations
			if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
				t.Fatal("all four annotations must be set explicitly")
			}
			if *a.ReadOnlyHint != tool.ReadOnly {
				t.Errorf("readOnlyHint %v but ReadOnly %v", *a.ReadOnlyHint, tool.ReadOnly)
			}
			readVerb := regexp.MustCompile(`^(list|get|diagnose|export|plan)_`).MatchString(tool.Name)
			if readVerb != tool.ReadOnly {
				t.Errorf("name verb says read=%v, annotation says %v", readVerb, tool.ReadOnly)
			}
			if tool.ReadOnly && (*a.DestructiveHint || !*a.IdempotentHint) {
				t.Error("read tools must be non-destructive and idempotent")
			}
			if regexp.MustCompile(`^(delete|revoke|update|apply)_`).MatchString(tool.Name) && !*a.DestructiveHint {
				t.Error("deleting or overwriting tools must be marked destructive")
			}
			if regexp.MustCompile(`^(create|send|retry|refresh)_`).MatchString(tool.Name) && (*a.DestructiveHint || *a.IdempotentHint) {
				t.Error("creating tools are additive and not idempotent")
			}
			if p := schemas.Check(d.RawInputSchema, true); p != nil {
				t.Errorf("input schema: %v", p)
			}
			if p := schemas.Check(d.RawOutputSchema, false); p != nil {
				t.Errorf("output schema: %v", p)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Errorf("definition does not marshal (both schema forms set?): %v", err)
			}
		})
	}
	for _, ts := range Toolsets() {
		if !slices.ContainsFunc(c.All(), func(t Tool) bool { return t.Toolset == ts }) {
			t.Errorf("toolset %s has no tools", ts)
		}
	}
}

// Every default the model reads is the value the handler receives when the
// argument is left out.
func TestSchemaDefaultsAreApplied(t *testing.T) {
	c := newTestCatalog(t, Options{})
	checked := 0
	for _, tool := range c.All() {
		var s struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(tool.Definition.RawInputSchema, &s); err != nil {
			t.Fatal(err)
		}
		d := mustDecoder(t, &tool)
		out, err := d.decode(minimalArgs(t, d.root))
		if err != nil {
			t.Fatalf("%s: minimal valid arguments rejected: %v", tool.Name, err)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		for name, p := range s.Properties {
			def, ok := p["default"]
			if !ok {
				continue
			}
			checked++
			if got[name] != def {
				t.Errorf("%s.%s: schema default %v, handler gets %v", tool.Name, name, def, got[name])
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d defaults checked; the catalog declares more", checked)
	}
}

// minimalArgs builds the smallest argument object the schema accepts:
// required properties only, each with a value meeting its constraints.
func minimalArgs(t *testing.T, s *argSchema) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(example(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func example(s *argSchema) any {
	switch {
	case len(s.enum) > 0:
		return s.enum[0]
	case s.format == "uuid":
		return "123e4567-e89b-42d3-a456-426614174000"
	}
	switch s.typ {
	case "object":
		out := map[string]any{}
		if s.properties == nil {
			out["email"] = "a@example.com"
		}
		for _, r := range s.required {
			out[r] = example(s.properties[r])
		}
		return out
	case "array":
		return []any{example(s.items)}
	case "integer", "number":
		if s.minimum != nil {
			return *s.minimum
		}
		return 1
	case "boolean":
		return false
	}
	return "abc"
}

// The transports lift a call's arguments past mcp-go (internal/argstash),
// which is sound only while nothing in mcp-go reads them before the
// handler: no tool may ask for task execution or route an argument into a
// header (x-mcp-header), both of which mcp-go handles from the arguments
// it decoded.
func TestNothingReadsArgumentsBeforeTheHandler(t *testing.T) {
	for _, tool := range newTestCatalog(t, Options{}).All() {
		def := tool.Definition
		if def.Execution != nil && def.Execution.TaskSupport != "" && def.Execution.TaskSupport != "forbidden" {
			t.Errorf("%s declares task support %q, whose handling reads the arguments mcp-go decoded", tool.Name, def.Execution.TaskSupport)
		}
		raw, err := json.Marshal(def)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "x-mcp-header") {
			t.Errorf("%s routes an argument into a header (x-mcp-header), which mcp-go reads from the arguments it decoded", tool.Name)
		}
	}
}
