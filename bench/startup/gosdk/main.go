// Command gosdk is the smallest stdio MCP server on the official Go SDK
// (github.com/modelcontextprotocol/go-sdk): one tool with an input and an
// output schema. It is the reference for spawn → tools/list in
// BENCHMARKS.md ("Cold start"), built from this benchmark-only module so it
// is never linked into meshes-mcp.
package main

import (
	"context"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoArgs struct {
	Text string `json:"text" jsonschema:"Text to echo."`
}

type echoResult struct {
	Text string `json:"text"`
}

func echo(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, echoResult, error) {
	return nil, echoResult(a), nil
}

func main() {
	s := mcp.NewServer(&mcp.Implementation{Name: "gosdk-one-tool", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echo the text back."}, echo)
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
