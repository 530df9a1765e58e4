// Package cli is the meshes-mcp command line: flags and their environment
// twins, the serve path (stdio by default) and subcommands, all listed in
// registry.go.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"
)

// Env is the process environment a command runs in. Tests pass pipes and a
// map-backed getenv; main passes the real ones.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Logger writes to Stderr; commands call logAt once --log-level is known.
	Logger *slog.Logger
}

// logAt points Logger at Stderr with the given level.
func (e *Env) logAt(level slog.Level) { e.logAs(level, "text") }

// logAs points Logger at Stderr with the given level and format ("text" or
// "json"); records logged with a request's context carry its request id.
func (e *Env) logAs(level slog.Level, format string) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(e.Stderr, opts)
	if format == "json" {
		h = slog.NewJSONHandler(e.Stderr, opts)
	}
	e.Logger = slog.New(requestIDHandler{h})
}

// Command is a subcommand such as `meshes-mcp tools`. Run returns the exit
// status.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, args []string, env *Env) int
}

// Main runs meshes-mcp with args (without the program name) and returns the
// exit status. With no subcommand it serves MCP (stdio by default).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv,
		Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch name := args[0]; name {
		case "serve":
			return serve(ctx, args[1:], env)
		case "help":
			usage(env.Stdout)
			return 0
		default:
			cmd, ok := lookupCommand(name)
			if !ok {
				fmt.Fprintf(stderr, "meshes-mcp: unknown command %q\n\n", name)
				usage(stderr)
				return 2
			}
			return cmd.Run(ctx, args[1:], env)
		}
	}
	return serve(ctx, args, env)
}

// usage lists the subcommands; each command documents its own flags with -h.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: meshes-mcp [serve] [flags]     serve MCP (stdio unless --transport says otherwise)")
	for _, c := range commands {
		fmt.Fprintf(w, "       meshes-mcp %-8s [flags]    %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(w, "\nRun 'meshes-mcp -h' for the serve flags and their environment variables.")
}
