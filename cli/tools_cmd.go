package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// runTools prints the catalog as the safety flags leave it. It needs no
// credentials: listing never talks to Meshes.
func runTools(ctx context.Context, args []string, env *Env) int {
	var (
		cfg     Config
		toolset string
	)
	f := catalogFlags("tools", "tools [--toolset NAME] [flags]", env, &cfg, func(f *Flags) {
		f.StringVar(&toolset, "toolset", "", "show only this toolset: "+strings.Join(tools.Toolsets(), ", "))
	})
	f.After(func() error {
		if toolset != "" && !slices.Contains(tools.Toolsets(), toolset) {
			return fmt.Errorf("--toolset must be one of %s, not %q", strings.Join(tools.Toolsets(), ", "), toolset)
		}
		return nil
	})
	if err := f.Parse(args); err != nil {
		return f.exitStatus(err)
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
	printTools(env.Stdout, cat.All(), exposed, toolset)
	return 0
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
