package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/schemas"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// runTools prints the catalog as the safety flags leave it. It needs no
// credentials: listing never talks to Meshes.
func runTools(ctx context.Context, args []string, env *Env) int {
	var (
		cfg     Config
		toolset string
	)
	f := catalogFlags("tools", "tools [--toolset NAME] [TOOL] [flags]", env, &cfg, func(f *Flags) {
		f.StringVar(&toolset, "toolset", "", "show only this toolset: "+strings.Join(tools.Toolsets(), ", "))
	})
	f.After(func() error {
		if toolset != "" && !slices.Contains(tools.Toolsets(), toolset) {
			return fmt.Errorf("--toolset must be one of %s, not %q", strings.Join(tools.Toolsets(), ", "), toolset)
		}
		return nil
	})
	names, err := parseWithArgs(f, args)
	if err != nil {
		return f.exitStatus(err)
	}
	if len(names) > 1 {
		fmt.Fprintf(env.Stderr, "meshes-mcp tools: name one tool at a time, not %s\n", strings.Join(names, " "))
		return 2
	}
	cat, err := tools.New(nil, tools.Options{Policy: cfg.Policy()})
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp tools: %v\n", err)
		return 1
	}
	exposed, err := exposedTools(ctx, cat)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp tools: %v\n", err)
		return 1
	}
	if len(names) == 1 {
		return showTool(env, cat.All(), exposed, names[0])
	}
	printTools(env.Stdout, cat.All(), exposed, toolset)
	return 0
}

// showTool prints one tool as a person reads it: what it does, how a host
// will treat it, and every argument with its type, whether it is required,
// its default and its description.
func showTool(env *Env, all []tools.Tool, exposed map[string]bool, name string) int {
	i := slices.IndexFunc(all, func(t tools.Tool) bool { return t.Name == name })
	if i < 0 {
		var known []string
		for _, t := range all {
			known = append(known, t.Name)
		}
		fmt.Fprintf(env.Stderr, "meshes-mcp tools: no tool %q; the tools are %s\n", name, strings.Join(known, ", "))
		return 2
	}
	t := all[i]
	w := env.Stdout
	fmt.Fprintf(w, "%s: %s\n%s\n\n", t.Name, t.Title, t.Description)
	a := t.Definition.Annotations
	fmt.Fprintf(w, "toolset %s, %s; annotations: readOnly=%v destructive=%v idempotent=%v openWorld=%v\n",
		t.Toolset, toolKind(t), *a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint)
	if !exposed[t.Name] {
		fmt.Fprintln(w, "hidden by --read-only, --toolsets or --workspaces with the flags given")
	}
	args, err := toolArguments(t.Definition.RawInputSchema)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp tools: %v\n", err)
		return 1
	}
	fmt.Fprintln(w, "\narguments:")
	if len(args) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tREQUIRED\tDEFAULT\tDESCRIPTION")
	for _, arg := range args {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", arg.path, arg.typ, yesNo(arg.required), arg.def, arg.description)
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	return 0
}

// argument is one row of showTool's table: a top-level argument, or a key
// inside one (events[].payload), with its constraints folded into the
// description.
type argument struct {
	path, typ, def, description string
	required                    bool
}

// toolArguments flattens an input schema into rows, parents before their
// keys, in the order the schema declares them.
func toolArguments(raw json.RawMessage) ([]argument, error) {
	var root schemaNode
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("unreadable input schema: %w", err)
	}
	var out []argument
	root.flatten("", &out)
	return out, nil
}

// schemaNode is the part of an input schema the table shows; properties
// keep their declared order.
type schemaNode struct {
	Type        json.RawMessage `json:"type"`
	Description string          `json:"description"`
	Default     json.RawMessage `json:"default"`
	Enum        []any           `json:"enum"`
	Pattern     string          `json:"pattern"`
	Minimum     *float64        `json:"minimum"`
	Maximum     *float64        `json:"maximum"`
	MinItems    *int            `json:"minItems"`
	MaxItems    *int            `json:"maxItems"`
	Required    []string        `json:"required"`
	Items       *schemaNode     `json:"items"`
	Properties  orderedNodes    `json:"properties"`
}

func (n *schemaNode) flatten(prefix string, out *[]argument) {
	for _, p := range n.Properties {
		path := prefix + p.name
		*out = append(*out, argument{
			path: path, typ: p.node.typeName(), def: string(p.node.Default),
			description: p.node.describe(), required: slices.Contains(n.Required, p.name),
		})
		p.node.flatten(path+".", out)
		if p.node.Items != nil {
			p.node.Items.flatten(path+"[].", out)
		}
	}
}

func (n *schemaNode) typeName() string {
	var one string
	if json.Unmarshal(n.Type, &one) == nil {
		if one == "array" && n.Items != nil {
			return n.Items.typeName() + "[]"
		}
		return one
	}
	var many []string
	if json.Unmarshal(n.Type, &many) == nil {
		return strings.Join(many, "|")
	}
	return "any"
}

// describe is the description followed, in brackets, by the constraints a
// caller must meet.
func (n *schemaNode) describe() string {
	var rules []string
	if len(n.Enum) > 0 {
		vals := make([]string, len(n.Enum))
		for i, v := range n.Enum {
			vals[i] = fmt.Sprint(v)
		}
		rules = append(rules, "one of "+strings.Join(vals, ", "))
	}
	switch n.Pattern {
	case "":
	case schemas.UUIDPattern:
		rules = append(rules, "a UUID")
	case `\S`:
		rules = append(rules, "not empty")
	default:
		rules = append(rules, "matches "+n.Pattern)
	}
	if n.Minimum != nil {
		rules = append(rules, fmt.Sprintf("at least %v", *n.Minimum))
	}
	if n.Maximum != nil {
		rules = append(rules, fmt.Sprintf("at most %v", *n.Maximum))
	}
	if n.MinItems != nil {
		rules = append(rules, fmt.Sprintf("at least %d items", *n.MinItems))
	}
	if n.MaxItems != nil {
		rules = append(rules, fmt.Sprintf("at most %d items", *n.MaxItems))
	}
	if len(rules) == 0 {
		return n.Description
	}
	return strings.TrimSpace(n.Description + " (" + strings.Join(rules, "; ") + ")")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// orderedNodes decodes a properties object keeping its key order, which is
// the order the tool's author chose and the model reads.
type orderedNodes []struct {
	name string
	node *schemaNode
}

func (o *orderedNodes) UnmarshalJSON(b []byte) error {
	for key, raw := range rawjson.Members(b) {
		n := &schemaNode{}
		if err := json.Unmarshal(raw, n); err != nil {
			return err
		}
		*o = append(*o, struct {
			name string
			node *schemaNode
		}{rawjson.Unquote(key), n})
	}
	return nil
}

// exposedTools asks the catalog's MCP server for tools/list, so the answer
// is exactly what a connected agent would see under the same flags.
func exposedTools(ctx context.Context, cat *tools.Catalog) (map[string]bool, error) {
	version, _ := VersionInfo()
	reply, err := json.Marshal(cat.MCPServer(version).HandleMessage(ctx,
		json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)))
	if err != nil {
		return nil, err
	}
	var msg struct {
		Result *struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(reply, &msg); err != nil {
		return nil, err
	}
	if msg.Result == nil {
		if msg.Error != nil {
			return nil, fmt.Errorf("tools/list failed: %s", msg.Error.Message)
		}
		return nil, errors.New("tools/list returned no result")
	}
	names := make(map[string]bool, len(msg.Result.Tools))
	for _, t := range msg.Result.Tools {
		names[t.Name] = true
	}
	return names, nil
}

// printTools writes one line per exposed tool, grouped by toolset in
// catalog order, then a count that says when flags hid some.
func printTools(w io.Writer, all []tools.Tool, exposed map[string]bool, toolset string) {
	shown, current := 0, ""
	for _, t := range all {
		if !exposed[t.Name] || (toolset != "" && t.Toolset != toolset) {
			continue
		}
		if t.Toolset != current {
			if current != "" {
				fmt.Fprintln(w)
			}
			current = t.Toolset
			fmt.Fprintln(w, current)
		}
		fmt.Fprintf(w, "  %-26s %-12s %s\n", t.Name, toolKind(t), t.Description)
		shown++
	}
	if shown > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d of %d tools", shown, len(all))
	if len(exposed) < len(all) {
		fmt.Fprintf(w, " (%d hidden by --read-only, --toolsets or --workspaces)", len(all)-len(exposed))
	}
	fmt.Fprintln(w, ". Run one with: meshes-mcp call TOOL '{\"arg\": \"value\"}'")
}

// toolKind condenses the annotations a host uses to decide whether to ask
// before a call.
func toolKind(t tools.Tool) string {
	switch {
	case t.ReadOnly:
		return "read"
	case t.Definition.Annotations.DestructiveHint != nil && *t.Definition.Annotations.DestructiveHint:
		return "destructive"
	}
	return "write"
}
