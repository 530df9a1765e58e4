package meshesapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/echoupstream"
)

// creates lists every request that creates or triggers something, with the
// name of the id its answer must carry.
var creates = map[string]func(context.Context, *Client) (string, error){
	"send_event": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.SendEvent(ctx, EventInput{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co"}`), Workspace: wsID})
		return idOf(r, err, func() string { return r.ID })
	},
	"send_events": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.SendEvents(ctx, []EventInput{{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co"}`), Workspace: wsID}})
		return idOf(r, err, func() string { return fmt.Sprint(len(r.Records)) })
	},
	"create_workspace": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.CreateWorkspace(ctx, CreateWorkspaceRequest{Name: "Acme"})
		return idOf(r, err, func() string { return r.ID })
	},
	"create_connection": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.CreateConnection(ctx, CreateConnectionRequest{Workspace: wsID, Type: "resend", Name: "Mail"})
		return idOf(r, err, func() string { return r.ID })
	},
	"create_rule": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.CreateRule(ctx, CreateRuleRequest{Workspace: wsID, Connection: connID, Event: "user.signup"})
		return idOf(r, err, func() string { return r.ID })
	},
	"create_session": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.CreateSession(ctx, CreateSessionRequest{WorkspaceID: wsID})
		return idOf(r, err, func() string { return r.SessionID })
	},
	"refresh_session": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.RefreshSession(ctx, sessID)
		return idOf(r, err, func() string { return r.SessionID })
	},
	"retry_delivery": func(ctx context.Context, c *Client) (string, error) {
		r, err := c.RetryDelivery(ctx, evID, ruleID)
		return idOf(r, err, func() string { return r.Rule })
	},
}

func idOf[T any](r *T, err error, id func() string) (string, error) {
	if err != nil {
		return "", err
	}
	return id(), nil
}

// A 2xx answer without the created object's id did take effect (or may
// have), but the caller cannot know what was created: it is an unknown
// outcome, never a success with an empty id, and it is sent once. (The
// advice to check before resending is worded in tools; see
// TestMalformedSuccessReachesTheModelAsUnknown.)
func TestMalformedSuccessIsAnUnknownOutcome(t *testing.T) {
	bodies := []string{``, `{}`, `null`, `{"unrelated":1}`, `{"event":{}}`, `{"workspace":{"name":"Acme"}}`,
		`{"connection":{"id":""}}`, `{"rule":null}`, `{"records":[]}`, `{"session_id":""}`, `[]`}
	for name, call := range creates {
		for _, body := range bodies {
			t.Run(name+"/"+body, func(t *testing.T) {
				f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 201, body) })
				c, _ := newTestClient(t, testConfig(f.srv.URL))
				id, err := call(context.Background(), c)
				if err == nil {
					t.Fatalf("reported as success with id %q", id)
				}
				if !IsOutcomeUnknown(err) {
					t.Errorf("error is not an unknown outcome: %v", err)
				}
				var re *ResponseError
				if !errors.As(err, &re) || re.Status != 201 {
					t.Errorf("error is not the 201 answer's *ResponseError (the tools layer words the advice from it): %v", err)
				}
				if f.count() != 1 {
					t.Errorf("sent %d times, want once", f.count())
				}
			})
		}
	}
}

// The machine JWT and the secret key never reach an error or a result,
// wherever a broken upstream echoes them: status line, headers, error
// body or 2xx body, whole or only the token's signature.
func TestEchoedCredentialsNeverReachResults(t *testing.T) {
	signature := echoupstream.Signature
	tests := map[string]func(auth string) string{
		"status code":   func(auth string) string { return "HTTP/1.1 " + auth + "\r\n\r\n" },
		"status reason": func(auth string) string { return echoupstream.Reply("502 "+auth, `{}`) },
		"status line":   func(auth string) string { return auth + " 200 OK\r\n\r\n" },
		"header": func(auth string) string {
			return "HTTP/1.1 200 OK\r\nContent-Type: text/" + strings.ReplaceAll(auth, " ", "") + "\r\nX-Echo: " + auth + "\r\nContent-Length: 2\r\n\r\n{}"
		},
		"malformed header": func(auth string) string { return "HTTP/1.1 200 OK\r\n" + auth + "\r\n\r\n" },
		"error body": func(auth string) string {
			return echoupstream.Reply("400 Bad Request", fmt.Sprintf(`{"message":"bad sig %s"}`, signature(auth)))
		},
		"2xx body": func(auth string) string {
			return echoupstream.Reply("201 Created", fmt.Sprintf(`{"id":%q,"name":%q,"description":"%s / %s","workspace":{"id":%q,"name":%q}}`,
				wsID, auth, signature(auth), testSecretKey, wsID, signature(auth)))
		},
	}
	for name, respond := range tests {
		t.Run(name, func(t *testing.T) {
			up := echoupstream.Start(t, respond)
			c, _ := newTestClient(t, testConfig(up.URL))
			ws, err := c.GetWorkspace(context.Background(), wsID)
			created, cerr := c.CreateWorkspace(context.Background(), CreateWorkspaceRequest{Name: "Acme"})
			if len(up.Tokens()) == 0 {
				t.Fatal("no request reached the echo server")
			}
			assertNoSecrets(t, fmt.Sprintf("%v %+v %v %+v", err, ws, cerr, created), up.Parts(minTokenPart)...)
		})
	}
}
