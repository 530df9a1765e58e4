// Package cli is the meshes-mcp command line: flags and their environment
// twins, the serve path (stdio by default, other transports registered by
// their own files) and subcommands registered from their own files.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"slices"
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
func (e *Env) logAt(level slog.Level) {
	e.Logger = slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: level}))
}

// Command is a subcommand such as `meshes-mcp tools`. Run returns the exit
// status.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, args []string, env *Env) int
}

// commands holds the subcommands; files register theirs in init with
// RegisterCommand, so adding one edits no other file.
var commands = map[string]Command{}

// RegisterCommand adds a subcommand. It panics on a duplicate name, which
// can only be a programming error caught by any test run.
func RegisterCommand(c Command) {
	if _, dup := commands[c.Name]; dup {
		panic("cli: command " + c.Name + " registered twice")
	}
	commands[c.Name] = c
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
			cmd, ok := commands[name]
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
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "       meshes-mcp %-8s [flags]    %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'meshes-mcp -h' for the serve flags and their environment variables.")
}
