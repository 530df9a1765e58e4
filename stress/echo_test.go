package stress

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// echoUpstream stands in for a broken Meshes (or a proxy in front of it)
// that quotes each request's Authorization value back the way respond
// says, and records the tokens it was sent.
type echoUpstream struct {
	url    string
	mu     sync.Mutex
	tokens []string
}

func newEchoUpstream(t *testing.T, respond func(auth string) string) *echoUpstream {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e := &echoUpstream{url: "http://" + ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				auth := req.Header.Get("Authorization")
				e.mu.Lock()
				e.tokens = append(e.tokens, strings.TrimPrefix(auth, "Bearer "))
				e.mu.Unlock()
				_, _ = conn.Write([]byte(respond(auth)))
			}()
		}
	}()
	return e
}

// Every tool, against an upstream that echoes the machine JWT in its status
// line, in an error body (only the signature) or in a 2xx body: no result
// and no error text carries the token, any part of it, or the secret key.
func TestEchoedAuthorizationNeverReachesAnyTool(t *testing.T) {
	stack := teststack.Start(t, teststack.Options{})
	signature := func(auth string) string { return auth[strings.LastIndex(auth, ".")+1:] }
	reply := func(status, body string) string {
		return fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(body), body)
	}
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
			up := newEchoUpstream(t, respond)
			mc, err := meshesapi.New(meshesapi.Config{AccessKey: stack.Creds.AccessKey, SecretKey: stack.Creds.SecretKey, OrgID: stack.Creds.OrgID,
				APIURL: up.url, EventsURL: up.url, Retry: meshesapi.RetryPolicy{MaxAttempts: 1, MaxReadAttempts: 1}})
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
				up.mu.Lock()
				tokens := append([]string(nil), up.tokens...)
				up.mu.Unlock()
				for _, tok := range tokens {
					for _, part := range append([]string{tok}, strings.Split(tok, ".")...) {
						if len(part) >= 16 && strings.Contains(out, part) {
							t.Errorf("%s: the machine JWT (or part of it) appears: %s", tc.tool, around(out, part))
						}
					}
				}
				if strings.Contains(out, stack.Creds.SecretKey) || jwtPattern.MatchString(out) {
					t.Errorf("%s: a credential appears: %s", tc.tool, out)
				}
			}
			up.mu.Lock()
			defer up.mu.Unlock()
			if len(up.tokens) == 0 {
				t.Fatal("no request reached the echo upstream; the test exercises nothing")
			}
		})
	}
}
