package tools

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// Every prompt argument takes its rule from a tool input field that exists,
// so a renamed field or tool fails here rather than at a user's prompts/get.
func TestPromptArgumentsPointAtToolFields(t *testing.T) {
	c := newTestCatalog(t, Options{})
	for _, p := range promptSpecs {
		for _, a := range p.args {
			if a.tool == "" && a.field == "" {
				continue // free text
			}
			tool, ok := c.byName[a.tool]
			if !ok {
				t.Errorf("%s.%s takes its rule from tool %s, which the catalog does not have", p.name, a.name, a.tool)
				continue
			}
			if mustDecoder(t, tool).root.properties[a.field] == nil {
				t.Errorf("%s.%s takes its rule from %s.%s, which is not an argument of that tool", p.name, a.name, a.tool, a.field)
			}
		}
	}
}

// RefusePrompt answers only an invalid prompts/get request; everything
// else, including what mcp-go must report itself, is passed on.
func TestRefusePrompt(t *testing.T) {
	c := newTestCatalog(t, Options{})
	for msg, want := range map[string]string{
		`{"jsonrpc":"2.0","id":7,"method":"prompts/get","params":{"name":"provision_tenant"}}`:                              "name is required",
		`{"jsonrpc":"2.0","id":"x","method":"prompts/get","params":{"name":"provision_tenant","arguments":{"name":"a/b"}}}`: "name must match",
		`{"jsonrpc":"2.0","id":8,"method":"prompts/get","params":{"name":"provision_tenant","arguments":{"name":"Acme"}}}`:  "",
		`{"jsonrpc":"2.0","id":9,"method":"prompts/get","params":{"name":"no_such_prompt"}}`:                                "",
		`{"jsonrpc":"2.0","method":"prompts/get","params":{"name":"provision_tenant"}}`:                                     "",
		`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"prompts/get"}}`:                                   "",
		`{"jsonrpc":"2.0","id":11,"method":"prompts/get","params":{"name":"provision_tenant","arguments":{"name":3}}}`:      "",
		`not json prompts/get`: "",
	} {
		refusal, refused := c.RefusePrompt([]byte(msg))
		if refused != (want != "") {
			t.Errorf("%s: refused = %v, want %v", msg, refused, want != "")
			continue
		}
		if refused && (refusal.Error.Code != mcp.INVALID_PARAMS || !strings.Contains(refusal.Error.Message, want)) {
			t.Errorf("%s: refusal %+v, want -32602 saying %q", msg, refusal.Error, want)
		}
	}
}
