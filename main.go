// Command meshes-mcp is an MCP server giving AI agents typed, safe access to
// Meshes, the outbound-integration platform. See package cli for flags.
package main

import (
	"os"

	"github.com/meshes-mcp/meshes-mcp/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
