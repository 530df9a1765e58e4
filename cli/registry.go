package cli

import (
	"github.com/meshes-mcp/meshes-mcp/httpserver"
)

// This file is the one place the command line is assembled: every
// subcommand, every --transport value and every group of serve flags is
// listed here. Nothing registers itself from init(), so no behaviour
// depends on the order Go initialises files in.
//
// Adding a flag is a one-place change: add a line to one of the functions
// listed below (or write a new func(*Flags, *Config) and add it to the
// right list below), then refresh the README's table with
// `UPDATE_README=1 go test ./cli -run TestREADME`.

// sharedFlags are the flags of serve and of every subcommand that builds
// the catalog (tools, call), shown in all their -h outputs, so a safety
// flag means the same everywhere.
var sharedFlags = []func(f *Flags, cfg *Config){
	registerPolicyFlags,
	registerSandboxFlag,
	registerCallTimeoutFlag,
	registerLogLevelFlag,
}

// transportFlags are read only when serving. The catalog subcommands accept
// them too (one environment configures every command) but leave them out of
// their -h. The message limit and the operator settings come first so that
// they are parsed before the HTTP flags validate the whole HTTP
// configuration.
var transportFlags = []func(f *Flags, cfg *Config){
	registerMessageLimitFlag,
	registerOperatorFlags,
	registerHTTPFlags,
}

// serveOnlyFlags exist only on serve (the default command).
var serveOnlyFlags = []func(f *Flags, cfg *Config){
	registerTransportFlag,
	registerVersionFlag,
}

// transports maps --transport values to their implementation.
var transports = map[string]Transport{
	"stdio":                          serveStdio,
	string(httpserver.TransportHTTP): serveHTTP(httpserver.TransportHTTP),
	string(httpserver.TransportSSE):  serveHTTP(httpserver.TransportSSE),
}

// commands are the subcommands besides serve and help, in the order help
// lists them.
var commands = []Command{
	{Name: "call", Summary: "run one tool and print its result (exit 1 when the tool reports an error)", Run: runCall},
	{Name: "demo", Summary: "guided tour: debug a failed delivery on the sandbox, over MCP", Run: runDemo},
	{Name: "sandbox", Summary: "serve a local Meshes-compatible API until interrupted", Run: runSandbox},
	{Name: "tools", Summary: "list the tools an agent would see, with one-line descriptions", Run: runTools},
}

// lookupCommand finds a subcommand by name.
func lookupCommand(name string) (Command, bool) {
	for _, c := range commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// addCatalogFlags registers the flags of a subcommand that builds the
// catalog: the shared ones and the transport ones (accepted, left out of
// its -h by catalogFlags).
func addCatalogFlags(f *Flags, cfg *Config) {
	for _, group := range [][]func(*Flags, *Config){sharedFlags, transportFlags} {
		for _, add := range group {
			add(f, cfg)
		}
	}
}
