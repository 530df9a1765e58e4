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
	var st sandbox.Standalone
	f := NewFlags("meshes-mcp sandbox", env.Getenv, env.Stderr)
	f.StringVar(&st.Addr, "addr", sandbox.DefaultAddr, "host:port to listen on")
	f.BoolVar(&st.Seed, "seed", false, "start with the demo organisation (workspaces, connections, rules, failed deliveries)")
	registerDeliverToFlag(f, &st.DeliverTo)
	if err := f.Parse(args); err != nil {
		return f.exitStatus(err)
	}
	if err := sandbox.RunStandalone(ctx, st, env.Getenv, env.Stdout); err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp %v\n", err)
		return 1
	}
	return 0
}
