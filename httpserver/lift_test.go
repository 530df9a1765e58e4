package httpserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Over streamable HTTP mcp-go gets a tool call with its arguments lifted
// out, the tool gets them exactly as posted, the stash lets go of them once
// each call is answered (run or not), and a client that names the stash's
// key is refused.
func TestStreamableHTTPLiftsToolCallArguments(t *testing.T) {
	cat := seededCatalog(t, tools.Policy{})
	stash := cat.ArgumentStash()
	var handed []string // the tools/call messages as mcp-go receives them
	r := serve(t, cat.MCPServer("test"), Config{Transport: TransportHTTP, Arguments: stash,
		RefuseMessage: func(msg []byte) (mcp.JSONRPCError, bool) {
			if _, method, ok := rpcid.Request(msg); ok && method == "tools/call" {
				handed = append(handed, string(msg))
			}
			return mcp.JSONRPCError{}, false
		}})
	post := func(params string) string {
		_, _, body := rawRequest(t, http.MethodPost, r.base+"/mcp", postHeaders,
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":`+params+`}`))
		if n := stash.Held(); n != 0 {
			t.Errorf("after answering %s the stash holds %d calls' arguments", params, n)
		}
		return body
	}
	if got := post(`{"_meta":{"progressToken":"p"},"name":"list_integrations","arguments":{"type":"slack"}}`); !strings.Contains(strings.ToLower(got), "slack") || strings.Contains(got, "hubspot") || strings.Contains(got, `"isError":true`) {
		t.Errorf("list_integrations {type: slack} answered %.400s", got)
	}
	if got := post(`{"name":"no_such_tool","arguments":{"a":1}}`); !strings.Contains(got, "no_such_tool") {
		t.Errorf("an unknown tool answered %.400s", got)
	}
	if len(handed) != 2 || !strings.Contains(handed[0], `"arguments":{}`) || !strings.Contains(handed[0], argstash.MetaKey) {
		t.Errorf("mcp-go received %q; want both calls with their arguments lifted", handed)
	}
	if got := post(`{"_meta":{"` + argstash.MetaKey + `":"0123"},"name":"list_workspaces","arguments":{}}`); !strings.Contains(got, "is reserved for this server") {
		t.Errorf("a call naming the stash key answered %.400s", got)
	}
}

// A POST whose method is absent (a client's response to the server) or not
// a string is answered like any other message, not met with a dropped
// connection: reading it for a tool call must not crash the handler.
func TestStreamableHTTPAnswersMessagesWithoutAStringMethod(t *testing.T) {
	cat := seededCatalog(t, tools.Policy{})
	r := serve(t, cat.MCPServer("test"), Config{Transport: TransportHTTP, Arguments: cat.ArgumentStash()})
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`{"jsonrpc":"2.0","id":2,"method":5}`,
		`[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"send_events","arguments":{}}}]`,
	} {
		req, err := http.NewRequest(http.MethodPost, r.base+"/mcp", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range postHeaders {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("POST %s: %v", body, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("POST %s: status %d", body, resp.StatusCode)
		}
	}
}

// A message encoding/json reads differently from a member-by-member reading
// (a method, id or result also spelled in another letter case, which
// mcp-go matches and the last wins) is answered exactly as mcp-go alone
// answers it: lifting must not hand mcp-go another request, such as a
// prompts/get with its arguments emptied.
func TestStreamableHTTPLiftsOnlyWhatMCPGoReadsAsAToolCall(t *testing.T) {
	cat := seededCatalog(t, tools.Policy{})
	lifting := serve(t, cat.MCPServer("test"), Config{Transport: TransportHTTP, Arguments: cat.ArgumentStash(), RefuseMessage: cat.RefusePrompt})
	plain := serve(t, cat.MCPServer("test"), Config{Transport: TransportHTTP, RefuseMessage: cat.RefusePrompt})
	prompt := `"params":{"name":"debug_failed_deliveries","arguments":{"workspace_id":"123e4567-e89b-42d3-a456-426614174000"}}`
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","Method":"prompts/get",` + prompt + `}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","METHOD":"prompts/get",` + prompt + `}`,
	} {
		_, _, want := rawRequest(t, http.MethodPost, plain.base+"/mcp", postHeaders, strings.NewReader(body))
		_, _, got := rawRequest(t, http.MethodPost, lifting.base+"/mcp", postHeaders, strings.NewReader(body))
		if !strings.Contains(want, "Debug the failed deliveries of Meshes workspace 123e4567-e89b-42d3-a456-426614174000") {
			t.Fatalf("without lifting %s answered %.300s; want the prompt rendered", body, want)
		}
		if got != want {
			t.Errorf("%s answered\n%.300s\nwith lifting, and\n%.300s\nwithout", body, got, want)
		}
	}
	if n := cat.ArgumentStash().Held(); n != 0 {
		t.Errorf("the stash holds %d calls' arguments", n)
	}
}
