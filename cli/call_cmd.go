package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// maxArgumentBytes bounds what call reads from a file or stdin: the default
// limit on an MCP message, so a CLI call cannot do what MCP cannot.
const maxArgumentBytes = int(httpserver.DefaultMaxBodyBytes)

// runCall runs one tool through the same catalog, policy and validation as
// an MCP call. stdout gets the result's JSON (structuredContent, indented)
// and nothing else, so scripts can pipe it; errors go to stderr. Exit
// status: 0 success, 1 the tool or Meshes reported an error (or the
// flags forbid the tool), 2 a usage error caught before anything ran.
func runCall(ctx context.Context, args []string, env *Env) int {
	var cfg Config
	f := catalogFlags("call", "call [flags] TOOL [JSON | @FILE | -]", env, &cfg, nil)
	positional, err := parseWithArgs(f, args)
	if err != nil {
		return f.exitStatus(err)
	}
	if len(positional) == 0 || len(positional) > 2 {
		fmt.Fprintln(env.Stderr, "meshes-mcp call: want a tool name and at most one JSON argument; `meshes-mcp tools` lists the tools")
		return 2
	}
	name := positional[0]
	if !knownTool(name) {
		fmt.Fprintf(env.Stderr, "meshes-mcp call: unknown tool %q; `meshes-mcp tools` lists the tools\n", name)
		return 2
	}
	source := "{}"
	if len(positional) == 2 {
		source = positional[1]
	}
	arguments, err := readArguments(source, env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp call: %v\n", err)
		return 2
	}
	env.logAt(cfg.LogLevel)

	cat, cleanup := buildCatalog(ctx, "meshes-mcp call", &cfg, env)
	defer cleanup()
	if cat == nil {
		return 1
	}
	res, err := cat.Call(ctx, name, arguments)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp call: %v\n", err)
		return 1
	}
	if res.IsError {
		fmt.Fprintf(env.Stderr, "meshes-mcp call: %s: %s\n", name, resultText(res))
		return 1
	}
	if err := printResult(env.Stdout, res); err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp call: %v\n", err)
		return 1
	}
	return 0
}

// knownTool checks the name against the full catalog before anything
// starts, so a typo costs no sandbox start and no credential check.
func knownTool(name string) bool {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		return false
	}
	for _, t := range cat.All() {
		if t.Name == name {
			return true
		}
	}
	return false
}

// readArguments resolves the argument source: literal JSON, @FILE, or "-"
// for stdin. It checks only that the text is one JSON value; the tool's
// own decoder judges the fields, as it does for MCP calls.
func readArguments(source string, stdin io.Reader) (json.RawMessage, error) {
	var (
		data []byte
		from = "the argument"
		err  error
	)
	switch {
	case source == "-":
		from = "stdin"
		data, err = readLimited(stdin)
	case strings.HasPrefix(source, "@"):
		from = source[1:]
		var file *os.File
		if file, err = os.Open(from); err == nil {
			data, err = readLimited(file)
			file.Close()
		}
	default:
		data = []byte(source)
	}
	if err != nil {
		return nil, fmt.Errorf("reading arguments from %s: %w", from, err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("arguments from %s are not valid JSON; write them like '{\"workspace_id\": \"...\"}'", from)
	}
	return data, nil
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxArgumentBytes)+1))
	if err == nil && len(data) > maxArgumentBytes {
		err = fmt.Errorf("more than %d bytes", maxArgumentBytes)
	}
	return data, err
}

// printResult writes the structured result indented, or the text blocks
// when a result has no structured part.
func printResult(w io.Writer, res *mcp.CallToolResult) error {
	if res.StructuredContent != nil {
		raw, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return fmt.Errorf("the result cannot be encoded: %w", err)
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return fmt.Errorf("the result is not valid JSON: %w", err)
		}
		buf.WriteByte('\n')
		_, err = buf.WriteTo(w)
		return err
	}
	_, err := fmt.Fprintln(w, resultText(res))
	return err
}

// resultText joins a result's text blocks.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := mcp.AsTextContent(c); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}
