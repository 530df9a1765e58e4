package cli

import (
	"context"
	"log/slog"

	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// serveStdio speaks MCP over stdin/stdout until stdin closes or ctx ends.
// stdout carries JSON-RPC only: every log line goes to stderr through slog,
// including mcp-go's own error logger.
func serveStdio(ctx context.Context, srv *server.MCPServer, _ *tools.Catalog, _ *Config, env *Env) error {
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(slog.NewLogLogger(env.Logger.Handler(), slog.LevelError))
	return stdio.Listen(ctx, env.Stdin, env.Stdout)
}
