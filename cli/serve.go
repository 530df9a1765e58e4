package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/server"
)

// Transport serves srv until ctx is done or the client goes away.
type Transport func(ctx context.Context, srv *server.MCPServer, cfg *Config, env *Env) error

func transportNames() []string {
	names := make([]string, 0, len(transports))
	for n := range transports {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// serve is the default command: MCP over the chosen transport.
func serve(ctx context.Context, args []string, env *Env) int {
	var cfg Config
	f := serveFlags(env, &cfg)
	if err := f.Parse(args); err != nil {
		return f.exitStatus(err)
	}
	if cfg.Version {
		// Explicit CLI output; the process exits before any MCP traffic.
		fmt.Fprintln(env.Stdout, VersionString())
		return 0
	}
	env.logAs(cfg.LogLevel, cfg.Operator.LogFormat)

	cat, cleanup := buildCatalog(ctx, "meshes-mcp", &cfg, env)
	defer cleanup()
	if cat == nil {
		return 1
	}
	version, _ := VersionInfo()
	srv := cat.MCPServer(version)
	cfg.refusePrompt = cat.RefusePrompt
	cfg.argumentStash = cat.ArgumentStash()
	env.Logger.Info("meshes-mcp serving", "transport", cfg.Transport, "version", version,
		"read_only", cfg.ReadOnly, "toolsets", cfg.Toolsets, "workspaces", len(cfg.Workspaces), "sandbox", cfg.Sandbox)
	if err := transports[cfg.Transport](ctx, srv, &cfg, env); err != nil && !errors.Is(err, context.Canceled) {
		env.Logger.Error("server stopped", "error", err)
		return 1
	}
	return 0
}

// serveFlags is the flag set of serve: the shared, transport and
// serve-only flags listed in registry.go.
func serveFlags(env *Env, cfg *Config) *Flags {
	f := NewFlags("meshes-mcp", env.Getenv, env.Stderr)
	for _, group := range [][]func(*Flags, *Config){sharedFlags, transportFlags, serveOnlyFlags} {
		for _, add := range group {
			add(f, cfg)
		}
	}
	return f
}

// registerTransportFlag registers --transport, whose values are the
// transports listed in registry.go.
func registerTransportFlag(f *Flags, cfg *Config) {
	f.String(&cfg.Transport, "transport", "MESHES_MCP_TRANSPORT", "stdio", "how MCP clients connect: "+strings.Join(transportNames(), ", "))
	f.After(func() error {
		if _, ok := transports[cfg.Transport]; !ok {
			return fmt.Errorf("--transport must be one of %s, not %q", strings.Join(transportNames(), ", "), cfg.Transport)
		}
		return nil
	})
}

// registerVersionFlag registers --version.
func registerVersionFlag(f *Flags, cfg *Config) {
	f.BoolVar(&cfg.Version, "version", false, "print the version and exit")
}
