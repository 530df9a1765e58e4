package stress

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/meshes-mcp/meshes-mcp/internal/echoupstream"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Every tool, against an upstream that echoes the machine JWT in its status
// line, in an error body (only the signature) or in a 2xx body: no result
// and no error text carries the token, any part of it, or the secret key.
func TestEchoedAuthorizationNeverReachesAnyTool(t *testing.T) {
	stack := teststack.Start(t, teststack.Options{})
	signature, reply := echoupstream.Signature, echoupstream.Reply
	modes := map[string]func(auth string) string{
		"status line": func(auth string) string { return "HTTP/1.1 " + auth + "\r\n\r\n" },
		"error body": func(auth string) string {
			return reply("400 Bad Request", fmt.Sprintf(`{"message":"bad signature %s","error":{"data":[{"param":"authorization","msg":%q}]}}`, signature(auth), auth))
		},
		"2xx body": func(auth string) string {
			id := "3f2b6c1e-8d4a-4e5b-9c7d-1a2b3c4d5e6f"
			return reply("200 OK", fmt.Sprintf(`{"id":%q,"name":%q,"description":%q,"message":%q,"records":[{"id":%q,"message":%q}],"count":1,"session_id":"sess_%s","workspace":%q,"last_error":%q}`,
				id, auth, signature(auth), auth, id, signature(auth), id, id, auth))
		},
	}
	for mode, respond := range modes {
		t.Run(mode, func(t *testing.T) {
			up := echoupstream.Start(t, respond)
			mc, err := meshesapi.New(meshesapi.Config{AccessKey: stack.Creds.AccessKey, SecretKey: stack.Creds.SecretKey, OrgID: stack.Creds.OrgID,
				APIURL: up.URL, EventsURL: up.URL, Retry: meshesapi.RetryPolicy{MaxAttempts: 1, MaxReadAttempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			cat, err := tools.New(mc, tools.Options{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := client.NewInProcessClient(cat.MCPServer("echo"))
			if err != nil {
				t.Fatal(err)
			}
			handshake(t, c)
			t.Cleanup(func() { _ = c.Close() })
			sess := &session{t: t, stack: stack, c: c}
			for _, tc := range toolCalls {
				out := text(sess.call(tc.tool, tc.args(t, stack)))
				for _, part := range up.Parts(16) {
					if strings.Contains(out, part) {
						t.Errorf("%s: the machine JWT (or part of it) appears: %s", tc.tool, around(out, part))
					}
				}
				if strings.Contains(out, stack.Creds.SecretKey) || jwtPattern.MatchString(out) {
					t.Errorf("%s: a credential appears: %s", tc.tool, out)
				}
			}
			if len(up.Tokens()) == 0 {
				t.Fatal("no request reached the echo upstream; the test exercises nothing")
			}
		})
	}
}
