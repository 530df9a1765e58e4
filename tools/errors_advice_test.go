package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// adviceClient is a real meshesapi client whose every request is answered
// by h, with retries that take no real time.
func adviceClient(t *testing.T, h http.HandlerFunc, adjust ...func(*meshesapi.Config)) *meshesapi.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := meshesapi.Config{
		AccessKey: "mk_" + strings.Repeat("a", 22), SecretKey: strings.Repeat("s", 43), OrgID: testUUID,
		APIURL: srv.URL, EventsURL: srv.URL,
		Retry: meshesapi.RetryPolicy{MaxAttempts: 4, MaxReadAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: 10 * time.Second},
	}
	for _, f := range adjust {
		f(&cfg)
	}
	c, err := meshesapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	adviceConn    = "11111111-2222-4333-8444-555555555555"
	adviceRule    = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	adviceEv      = "0f0e0d0c-0b0a-4909-8807-060504030201"
	adviceMapping = "99999999-8888-4777-8666-555555555555"
)

var adviceCalls = map[string]func(context.Context, *meshesapi.Client) error{
	"GetWorkspace": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.GetWorkspace(ctx, testUUID)
		return err
	},
	"ListWorkspaces": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.ListWorkspaces(ctx, meshesapi.Page{})
		return err
	},
	"SendEvent": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.SendEvent(ctx, meshesapi.EventInput{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co"}`), Workspace: testUUID})
		return err
	},
	"SendEvents": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.SendEvents(ctx, []meshesapi.EventInput{{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co"}`), Workspace: testUUID}})
		return err
	},
	"CreateRule": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: testUUID, Connection: adviceConn, Event: "a.b", Metadata: map[string]any{"action": "x"}})
		return err
	},
	"PutDefaultMapping": func(ctx context.Context, c *meshesapi.Client) error {
		v := 2
		_, err := c.PutDefaultMapping(ctx, adviceConn, meshesapi.PutMappingRequest{Schema: meshesapi.MappingSchema{SchemaVersion: 1}, ExpectedVersion: &v})
		return err
	},
	"PutDefaultMapping with mapping_id": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.PutDefaultMapping(ctx, adviceConn, meshesapi.PutMappingRequest{Schema: meshesapi.MappingSchema{SchemaVersion: 1}, MappingID: adviceMapping})
		return err
	},
	"CreateWorkspace": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.CreateWorkspace(ctx, meshesapi.CreateWorkspaceRequest{Name: "Acme"})
		return err
	},
	"GetConnectionActions": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.GetConnectionActions(ctx, adviceConn)
		return err
	},
	"GetConnectionFields": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.GetConnectionFields(ctx, adviceConn, false)
		return err
	},
	"DeleteConnection": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.DeleteConnection(ctx, adviceConn, false)
		return err
	},
	"RetryDelivery": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.RetryDelivery(ctx, adviceEv, adviceRule)
		return err
	},
	"RefreshSession": func(ctx context.Context, c *meshesapi.Client) error {
		_, err := c.RefreshSession(ctx, "sess_1")
		return err
	},
}

// TestErrorAdvice checks that each failure Meshes can answer reads as one
// actionable sentence: what happened, the facts Meshes gave, what to do.
func TestErrorAdvice(t *testing.T) {
	bad := `{"message":"Bad Request","error":{"name":"BadRequest","message":"Invalid parameters","data":[{"param":"metadata.action","msg":"is required"},{"param":"resource_id","msg":"must match ^[A-Za-z0-9._:-]{1,64}$"}]}}`
	tests := []struct {
		name     string
		status   int
		body     string
		header   map[string]string
		pubKey   bool
		op       string
		contains []string
		absent   []string
	}{
		{name: "400 lists field details", status: 400, body: bad, op: "CreateRule",
			contains: []string{"rejected the request as invalid", "400 Bad Request on POST /rules", "metadata.action: is required", "resource_id: must match", "Invalid parameters", "fix the named fields"}},
		{name: "422 lists field details", status: 422, body: `{"message":"Unprocessable Entity","error":{"data":[{"param":"schema.fields[0].dest","msg":"unknown field"}]}}`,
			op: "PutDefaultMapping", contains: []string{"422", "schema.fields[0].dest: unknown field"}},
		{name: "401 on management names the machine credentials and the clock", status: 401, body: `{"message":"Unauthorized"}`, op: "GetWorkspace",
			contains: []string{"rejected the machine credentials", meshesapi.EnvAccessKey, meshesapi.EnvSecretKey, meshesapi.EnvOrgID, "clock"}},
		{name: "401 on ingestion with a publishable key names that key", status: 401, body: `{"message":"invalid publishable key"}`, pubKey: true, op: "SendEvent",
			contains: []string{"rejected the publishable key", meshesapi.EnvPublishableKey}, absent: []string{meshesapi.EnvSecretKey}},
		{name: "401 on ingestion without a publishable key names the machine key", status: 401, op: "SendEvent",
			contains: []string{meshesapi.EnvSecretKey}, absent: []string{meshesapi.EnvPublishableKey}},
		{name: "403 points at scopes", status: 403, body: `{"message":"forbidden"}`, op: "GetWorkspace", contains: []string{"not permitted", "scopes"}},
		{name: "404 names the connection and how to find it", status: 404, body: `{"message":"Connection not found"}`, op: "GetConnectionFields",
			contains: []string{"connection " + adviceConn + " not found", "list_connections"}},
		{name: "404 on retry names event or rule", status: 404, op: "RetryDelivery",
			contains: []string{"event or rule not found", "listing events or rules"}},
		{name: "404 on a collection points at the base URL", status: 404, body: "<html>nope</html>", header: map[string]string{"Content-Type": "text/html"},
			op: "ListWorkspaces", contains: []string{"no such endpoint", meshesapi.EnvAPIURL}, absent: []string{"html"}},
		{name: "404 on ingestion points at the events URL", status: 404, op: "SendEvent", contains: []string{meshesapi.EnvEventsURL}},
		// An unknown object inside a create or send is told apart from a
		// wrong base URL by Meshes' message, and the argument is named.
		{name: "404 on create rule naming the connection blames connection_id", status: 404, body: `{"message":"Connection not found"}`, op: "CreateRule",
			contains: []string{"connection " + adviceConn + " not found", "check connection_id", "list_connections"},
			absent:   []string{"no such endpoint", meshesapi.EnvAPIURL}},
		{name: "404 on create rule naming the workspace blames workspace_id", status: 404, body: `{"message":"Workspace not found"}`, op: "CreateRule",
			contains: []string{"workspace " + testUUID + " not found", "check workspace_id", "list_workspaces"},
			absent:   []string{"no such endpoint", meshesapi.EnvAPIURL}},
		{name: "404 on send naming the workspace blames workspace_id, not the events URL", status: 404, body: `{"message":"Workspace not found"}`, op: "SendEvent",
			contains: []string{"workspace " + testUUID + " not found", "check workspace_id"},
			absent:   []string{"no such endpoint", meshesapi.EnvEventsURL}},
		{name: "404 on bulk send names each event's workspace_id", status: 404, body: `{"message":"Workspace not found"}`, op: "SendEvents",
			contains: []string{"each event's workspace_id"}, absent: []string{meshesapi.EnvEventsURL}},
		{name: "404 on a mapping update naming the mapping blames mapping_id, not the connection", status: 404, body: `{"message":"Mapping not found"}`,
			op: "PutDefaultMapping with mapping_id", contains: []string{"mapping " + adviceMapping + " not found", "check mapping_id"},
			absent: []string{"connection " + adviceConn + " not found"}},
		{name: "404 on create with no message is the wrong-URL case", status: 404, op: "CreateRule",
			contains: []string{"no such endpoint", meshesapi.EnvAPIURL}},
		{name: "404 on create with an HTML page is the wrong-URL case", status: 404, body: "<html>Not Found</html>", header: map[string]string{"Content-Type": "text/html"},
			op: "CreateWorkspace", contains: []string{"no such endpoint", meshesapi.EnvAPIURL}},
		// 409 advice fits the conflict Meshes names.
		{name: "409 on an inactive connection says reconnect", status: 409, body: `{"message":"connection is inactive (credentials revoked): reconnect it before reading live data from the provider"}`,
			op: "GetConnectionActions", contains: []string{"inactive", "reconnect it with update_connection"}, absent: []string{"name is already taken", "already exists"}},
		{name: "409 for a retry already under way says wait", status: 409, body: `{"message":"a retry is already scheduled for this delivery"}`,
			op: "RetryDelivery", contains: []string{"already retrying this delivery", "wait for that attempt"}},
		{name: "409 on a duplicate workspace name says choose another", status: 409, body: `{"message":"workspace already exists: a workspace named \"Acme\" exists in this organization"}`,
			op: "CreateWorkspace", contains: []string{"choose another name", "list_workspaces"}},
		{name: "409 on a stale mapping version says reread", status: 409, body: `{"message":"mapping version conflict: expected_version is 2 but the stored version is 3"}`,
			op: "PutDefaultMapping", contains: []string{"expected_version", "get_connection_mapping"}},
		{name: "409 on connection delete mentions rules and force_delete", status: 409, body: `{"message":"connection has active rules"}`, op: "DeleteConnection",
			contains: []string{"still used by rules", "force_delete", "connection has active rules"}},
		{name: "409 on mapping mentions expected_version", status: 409, op: "PutDefaultMapping", contains: []string{"expected_version"}},
		{name: "409 on refresh says create a new session", status: 409, op: "RefreshSession", contains: []string{"create a new session"}},
		{name: "409 on create names the likely cause", status: 409, body: `{"message":"connection already exists"}`, op: "CreateRule",
			contains: []string{"conflicts", "connection already exists", "use the existing one (list_connections", "choose another name"}},
		{name: "413 on ingestion says nothing was stored and how to shrink the payload", status: 413, body: `{"message":"Payload Too Large"}`, op: "SendEvent",
			contains: []string{"refused the request as too large", "413", "nothing was stored", "put large blobs in your own storage", "call again", meshesapi.EnvMaxRequestBytes},
			absent:   []string{"effect is unknown"}},
		{name: "413 on bulk ingestion suggests fewer events", status: 413, op: "SendEvents",
			contains: []string{"on POST /events/bulk", "nothing was stored", "fewer events at once"}},
		{name: "413 on a mapping suggests sending less", status: 413, op: "PutDefaultMapping",
			contains: []string{"nothing was stored", "smaller mapping"}},
		{name: "425 on retry says wait for the scheduled attempt", status: 425, op: "RetryDelivery", contains: []string{"already retrying", "scheduled attempt"}},
		{name: "429 gives the wait", status: 429, header: map[string]string{"Retry-After": "90"}, op: "GetWorkspace",
			contains: []string{"rate limit", "wait 1m30s"}},
		{name: "5xx on GET says Meshes failed and it is safe to repeat", status: 500, body: `{"message":"Internal Server Error"}`, op: "GetWorkspace",
			contains: []string{"Meshes failed", "after 4 attempts", "safe to repeat"}},
		{name: "5xx on POST says the effect is unknown and how to check", status: 503, op: "SendEvent",
			contains: []string{"Meshes failed", "effect is unknown", "list the workspace's recent events"}},
		{name: "5xx on create rule says how to check", status: 502, op: "CreateRule",
			contains: []string{"list the workspace's rules"}},
		{name: "redirect is reported, not followed", status: 301, header: map[string]string{"Location": "https://elsewhere.example/api/v1/workspaces/x"}, op: "GetWorkspace",
			contains: []string{"redirect", meshesapi.EnvAPIURL}, absent: []string{"elsewhere"}},
		{name: "error.message restating the details is not repeated", status: 400,
			body: `{"message":"Bad Request","error":{"message":"name: must be 3-50 characters","data":[{"param":"name","msg":"must be 3-50 characters"}]}}`,
			op:   "CreateRule", contains: []string{`Meshes says "Bad Request"; name: must be 3-50 characters)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := adviceClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}, func(cfg *meshesapi.Config) {
				if tc.pubKey {
					cfg.PublishableKey = "mesh_pub_abc.def_ghi-jkl_asdf123"
				}
			})
			err := adviceCalls[tc.op](context.Background(), c)
			if err == nil {
				t.Fatal("no error")
			}
			msg := errorText(err)
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, want := range tc.contains {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			for _, no := range tc.absent {
				if strings.Contains(msg, no) {
					t.Errorf("error %q should not contain %q", msg, no)
				}
			}
		})
	}
}

// Failures that got no usable answer say whether the request may have
// taken effect and how to check before resending.
func TestNetworkAndResponseAdvice(t *testing.T) {
	send, _ := meshesapi.LookupOperation("SendEvent")
	bulk, _ := meshesapi.LookupOperation("SendEvents")
	rule, _ := meshesapi.LookupOperation("CreateRule")
	get, _ := meshesapi.LookupOperation("GetWorkspace")
	tests := []struct {
		name     string
		err      error
		contains []string
	}{
		{"never connected", &meshesapi.NetworkError{Op: send, Method: "POST", Path: "/events", Ingest: true, Attempts: 4, Err: errors.New("connection refused")},
			[]string{"never reached Meshes", "safe to send again", meshesapi.EnvEventsURL}},
		{"sent, then the connection broke", &meshesapi.NetworkError{Op: send, Method: "POST", Path: "/events", Sent: true, Err: errors.New("EOF")},
			[]string{"effect is unknown", "list the workspace's recent events"}},
		{"2xx whose body was cut", &meshesapi.NetworkError{Op: send, Method: "POST", Path: "/events", Sent: true, Status: 201, Err: errors.New("unexpected EOF")},
			[]string{"do not resend"}},
		{"timeout", &meshesapi.NetworkError{Op: get, Method: "GET", Path: "/workspaces/x", Sent: true, Timeout: true, TimeoutAfter: 50 * time.Millisecond, Err: context.DeadlineExceeded},
			[]string{"timed out after 50ms"}},
		{"POST answered with garbage", &meshesapi.ResponseError{Op: rule, Method: "POST", Path: "/rules", Status: 201, Problem: "its JSON body could not be decoded", Err: errors.New("x")},
			[]string{"do not resend", "list the workspace's rules"}},
		{"web page instead of JSON", &meshesapi.ResponseError{Op: get, Method: "GET", Path: "/workspaces/x", Status: 200, Problem: "the body is text/html, not JSON", NotJSON: true},
			[]string{"not JSON", meshesapi.EnvAPIURL}},
		{"GET answered with garbage", &meshesapi.ResponseError{Op: get, Method: "GET", Path: "/workspaces/x", Status: 200, Problem: "its JSON body could not be decoded", Err: errors.New("x")},
			[]string{"safe to call again"}},
		{"too large before sending", &meshesapi.RequestTooLargeError{Op: bulk, Method: "POST", Path: "/events/bulk", Size: 5000, Limit: 4096},
			[]string{"nothing was sent", "4096-byte limit", meshesapi.EnvMaxRequestBytes, "fewer events at once"}},
		{"too large rule", &meshesapi.RequestTooLargeError{Op: rule, Method: "POST", Path: "/rules", Size: 5000, Limit: 4096},
			[]string{"less metadata"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := errorText(tc.err)
			for _, want := range tc.contains {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

// Every operation named in the advice tables exists.
func TestAdviceNamesRealOperations(t *testing.T) {
	for name := range verifyHints {
		if _, ok := meshesapi.LookupOperation(name); !ok {
			t.Errorf("verifyHints names %s, which is not an operation", name)
		}
	}
}
