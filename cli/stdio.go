package cli

import (
	"context"
	"log/slog"

	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
)

// serveStdio speaks MCP over stdin/stdout until stdin closes or ctx ends.
// stdout carries JSON-RPC only: every log line goes to stderr through slog,
// including mcp-go's own error logger. A stdin line longer than
// --max-body-bytes never reaches mcp-go: it is dropped as it is read and
// answered with a JSON-RPC error, written through the same serialised
// stdout as mcp-go's own messages.
func serveStdio(ctx context.Context, srv *server.MCPServer, cfg *Config, env *Env) error {
	stdio := server.NewStdioServer(srv)
	server.WithQueueSize(maxStdioCallsInFlight)(stdio)
	stdio.SetErrorLogger(slog.NewLogLogger(env.Logger.Handler(), slog.LevelError))
	limit := cfg.MaxMessageBytes
	if limit <= 0 {
		limit = httpserver.DefaultMaxBodyBytes // unset means the default, as for HTTP
	}
	front := newStdioFront(&syncWriter{w: env.Stdout}, env.Logger, limit, cfg.refusePrompt, cfg.argumentStash)
	in := newLineLimiter(env.Stdin, limit, front.overlong)
	in.filter = front.inbound
	return stdio.Listen(ctx, in, front)
}
