// Command mcpgo is the smallest stdio MCP server on mcp-go: one tool with an
// input and an output schema. It is the reference for spawn → tools/list
// in BENCHMARKS.md ("Cold start"), built from this benchmark-only module so
// it is never linked into meshes-mcp.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

type echoArgs struct {
	Text string `json:"text" jsonschema_description:"Text to echo."`
}

type echoResult struct {
	Text string `json:"text"`
}

func main() {
	s := server.NewMCPServer("mcpgo-one-tool", "1.0.0", server.WithToolCapabilities(false))
	tool := mcp.NewTool("echo",
		mcp.WithDescription("Echo the text back."),
		mcp.WithString("text", mcp.Required(), mcp.Description("Text to echo.")),
		mcp.WithOutputSchema[echoResult](),
	)
	s.AddTool(tool, mcp.NewStructuredToolHandler(func(_ context.Context, _ mcp.CallToolRequest, a echoArgs) (echoResult, error) {
		return echoResult(a), nil
	}))
	if err := server.ServeStdio(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
