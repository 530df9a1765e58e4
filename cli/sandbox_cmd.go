package cli

import (
	"context"
	"fmt"

	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

// runSandbox serves a standalone sandbox: one that outlives a single MCP
// session, so several clients, `meshes-mcp call` invocations or an
// application's own tests can share its state. Its set-up lines (the
// MESHES_* exports) are this command's output, hence stdout.
func runSandbox(ctx context.Context, args []string, env *Env) int {
	var (
		addr string
		seed bool
	)
	f := NewFlags("meshes-mcp sandbox", env.Getenv, env.Stderr)
	f.StringVar(&addr, "addr", sandbox.DefaultAddr, "host:port to listen on")
	f.BoolVar(&seed, "seed", false, "start with the demo organisation (workspaces, connections, rules, failed deliveries)")
	if err := f.Parse(args); err != nil {
		return f.exitStatus(err)
	}
	if err := sandbox.RunStandalone(ctx, addr, seed, env.Getenv, env.Stdout); err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp %v\n", err)
		return 1
	}
	return 0
}
