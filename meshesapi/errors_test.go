package meshesapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestErrorFacts checks what each failure reports: its class for
// errors.Is, the status, the operation and ids, and Meshes' own words,
// truncated and on one line. The sentences a model reads are written by
// package tools (tools/errors.go) and tested there.
func TestErrorFacts(t *testing.T) {
	bad := `{"message":"Bad Request","error":{"name":"BadRequest","message":"Invalid parameters","data":[{"param":"metadata.action","msg":"is required"},{"param":"resource_id","msg":"must match ^[A-Za-z0-9._:-]{1,64}$"}]}}`
	tests := []struct {
		name     string
		status   int
		body     string
		header   map[string]string
		pubKey   bool
		call     func(context.Context, *Client) error
		wantIs   error
		wantOp   string
		contains []string
		absent   []string
	}{
		{name: "400 lists field details", status: 400, body: bad, call: createRule, wantIs: ErrInvalidRequest, wantOp: "CreateRule",
			contains: []string{"400 Bad Request to POST /rules", "metadata.action: is required", "resource_id: must match", "Invalid parameters"}},
		{name: "422 lists field details", status: 422, body: `{"message":"Unprocessable Entity","error":{"data":[{"param":"schema.fields[0].dest","msg":"unknown field"}]}}`,
			call: putMapping, wantIs: ErrInvalidRequest, wantOp: "PutDefaultMapping", contains: []string{"422", "schema.fields[0].dest: unknown field"}},
		{name: "401", status: 401, body: `{"message":"Unauthorized"}`, call: getWorkspace, wantIs: ErrUnauthorized, wantOp: "GetWorkspace", contains: []string{"401 Unauthorized"}},
		{name: "404 keeps Meshes' message", status: 404, body: `{"message":"Connection not found"}`, call: getConnectionFields, wantIs: ErrNotFound, wantOp: "GetConnectionFields",
			contains: []string{"404 Not Found to GET /connections/" + connID + "/fields", `"Connection not found"`}},
		{name: "404 with an HTML page drops the page", status: 404, body: "<html>nope</html>", header: map[string]string{"Content-Type": "text/html"},
			call: listWorkspaces, wantIs: ErrNotFound, wantOp: "ListWorkspaces", absent: []string{"html", "Meshes says"}},
		{name: "409", status: 409, body: `{"message":"connection has active rules"}`, call: deleteConnection, wantIs: ErrConflict, wantOp: "DeleteConnection",
			contains: []string{"connection has active rules"}},
		{name: "413", status: 413, body: `{"message":"Payload Too Large"}`, call: sendEvent, wantIs: ErrRequestTooLarge, wantOp: "SendEvent", contains: []string{"413"}},
		{name: "429 gives the wait", status: 429, header: map[string]string{"Retry-After": "90"}, call: getWorkspace, wantIs: ErrRateLimited, wantOp: "GetWorkspace",
			contains: []string{"429", "retry after 1m30s"}},
		{name: "5xx on GET after retries", status: 500, body: `{"message":"Internal Server Error"}`, call: getWorkspace, wantIs: ErrServer, wantOp: "GetWorkspace",
			contains: []string{"500", "after 4 attempts"}},
		{name: "5xx on POST is an unknown outcome", status: 503, call: sendEvent, wantIs: ErrOutcomeUnknown, wantOp: "SendEvent"},
		{name: "redirect is reported, not followed", status: 301, header: map[string]string{"Location": "https://elsewhere.example/api/v1/workspaces/x"}, call: getWorkspace,
			wantOp: "GetWorkspace", contains: []string{"301"}, absent: []string{"elsewhere"}},
		{name: "non-JSON error body is shown truncated", status: 400, body: strings.Repeat("plain words ", 100), header: map[string]string{"Content-Type": "text/plain"},
			call: getWorkspace, wantIs: ErrInvalidRequest, contains: []string{"plain words", "…"}},
		{name: "error.message restating the details is not repeated", status: 400,
			body: `{"message":"Bad Request","error":{"message":"name: must be 3-50 characters","data":[{"param":"name","msg":"must be 3-50 characters"}]}}`,
			call: createRule, contains: []string{`Meshes says "Bad Request"; name: must be 3-50 characters`}},
		{name: "error as a string", status: 400, body: `{"message":"Bad Request","error":"invalid session_type"}`, call: refreshSession,
			contains: []string{`"Bad Request: invalid session_type"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			cfg := testConfig(f.srv.URL)
			if tc.pubKey {
				cfg.PublishableKey = testPubKey
			}
			c, _ := newTestClient(t, cfg)
			err := tc.call(context.Background(), c)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("errors.Is(%v) = false", tc.wantIs)
			}
			if StatusCode(err) != tc.status {
				t.Errorf("StatusCode = %d, want %d", StatusCode(err), tc.status)
			}
			var ae *APIError
			if tc.wantOp != "" && (!errors.As(err, &ae) || ae.Op.Name != tc.wantOp) {
				t.Errorf("error %#v does not carry operation %s", err, tc.wantOp)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error spans lines: %q", msg)
			}
			if len(msg) > 900 {
				t.Errorf("error is %d bytes; bodies must be truncated", len(msg))
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
			assertNoSecrets(t, msg)
		})
	}
}

func getWorkspace(ctx context.Context, c *Client) error { return callFor("GET")(ctx, c) }
func sendEvent(ctx context.Context, c *Client) error    { return callFor("POST")(ctx, c) }
func listWorkspaces(ctx context.Context, c *Client) error {
	_, err := c.ListWorkspaces(ctx, Page{})
	return err
}
func createRule(ctx context.Context, c *Client) error {
	_, err := c.CreateRule(ctx, CreateRuleRequest{Workspace: wsID, Connection: connID, Event: "a.b", Metadata: map[string]any{"action": "x"}})
	return err
}
func putMapping(ctx context.Context, c *Client) error {
	_, err := c.PutDefaultMapping(ctx, connID, PutMappingRequest{Schema: MappingSchema{SchemaVersion: 1}, ExpectedVersion: ptr(2)})
	return err
}
func getConnectionFields(ctx context.Context, c *Client) error {
	_, err := c.GetConnectionFields(ctx, connID, false)
	return err
}
func deleteConnection(ctx context.Context, c *Client) error {
	_, err := c.DeleteConnection(ctx, connID, false)
	return err
}
func cancelDelivery(ctx context.Context, c *Client) error {
	_, err := c.CancelDelivery(ctx, evID, ruleID)
	return err
}

func retryDelivery(ctx context.Context, c *Client) error {
	_, err := c.RetryDelivery(ctx, evID, ruleID)
	return err
}
func refreshSession(ctx context.Context, c *Client) error {
	_, err := c.RefreshSession(ctx, sessID)
	return err
}

// TestNoSecretInErrors has Meshes echo the request's credentials back in
// every kind of error body; none may reach the error text.
func TestNoSecretInErrors(t *testing.T) {
	calls := map[string]func(context.Context, *Client) error{"GET": getWorkspace, "POST": sendEvent, "DELETE": deleteConnection}
	for _, status := range []int{400, 401, 403, 404, 409, 422, 425, 429, 500, 503} {
		for _, contentType := range []string{"application/json", "text/plain"} {
			for method, call := range calls {
				t.Run(fmt.Sprintf("%d/%s/%s", status, contentType, method), func(t *testing.T) {
					f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
						echo := r.Header.Get("Authorization") + " secret=" + testSecretKey
						w.Header().Set("Content-Type", contentType)
						w.WriteHeader(status)
						if contentType == "text/plain" {
							fmt.Fprint(w, "upstream said: "+echo)
							return
						}
						fmt.Fprintf(w, `{"message":%q,"error":{"message":%q,"data":[{"param":"authorization","msg":%q}]}}`, echo, echo, echo)
					})
					c, _ := newTestClient(t, testConfig(f.srv.URL))
					err := call(context.Background(), c)
					if err == nil {
						t.Fatal("no error")
					}
					var tokens []string
					for _, r := range f.requests() {
						tokens = append(tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
					}
					assertNoSecrets(t, err.Error(), tokens...)
					assertNoSecrets(t, fmt.Sprintf("%+v %#v", err, err), tokens...)
				})
			}
		}
	}
}

// TestPathArgumentsAreValidated sends hostile ids through every operation
// that takes one: each must fail naming the field, with no request made.
func TestPathArgumentsAreValidated(t *testing.T) {
	type idOp struct {
		name, field string
		call        func(context.Context, *Client, string) error
	}
	ignore := func(_ any, err error) error { return err }
	ops := []idOp{
		{"GetWorkspace", "workspace_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetWorkspace(ctx, id)) }},
		{"UpdateWorkspace", "workspace_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.UpdateWorkspace(ctx, id, UpdateWorkspaceRequest{Name: "x"}))
		}},
		{"ListWorkspaceConnections", "workspace_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListWorkspaceConnections(ctx, id, Page{}))
		}},
		{"ListWorkspaceRules", "workspace_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListWorkspaceRules(ctx, id, RuleFilter{}))
		}},
		{"ListWorkspaceEvents", "workspace_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListWorkspaceEvents(ctx, id, EventQuery{}))
		}},
		{"ListEventTypes", "workspace_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.ListEventTypes(ctx, id)) }},
		{"ListResources", "workspace_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.ListResources(ctx, id)) }},
		{"ListSessions", "workspace_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListSessions(ctx, SessionQuery{WorkspaceID: id}))
		}},
		{"GetConnection", "connection_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetConnection(ctx, id)) }},
		{"UpdateConnection", "connection_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.UpdateConnection(ctx, id, UpdateConnectionRequest{Name: "x"}))
		}},
		{"DeleteConnection", "connection_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.DeleteConnection(ctx, id, true))
		}},
		{"GetConnectionActions", "connection_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetConnectionActions(ctx, id)) }},
		{"GetConnectionFields", "connection_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.GetConnectionFields(ctx, id, true))
		}},
		{"GetDefaultMapping", "connection_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetDefaultMapping(ctx, id)) }},
		{"PutDefaultMapping", "connection_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.PutDefaultMapping(ctx, id, PutMappingRequest{}))
		}},
		{"GetRule", "rule_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetRule(ctx, id)) }},
		{"DeleteRule", "rule_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.DeleteRule(ctx, id)) }},
		{"GetEvent", "event_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetEvent(ctx, id)) }},
		{"GetEventPayload", "event_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.GetEventPayload(ctx, id)) }},
		{"RetryDelivery event", "event_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.RetryDelivery(ctx, id, ruleID)) }},
		{"RetryDelivery rule", "rule_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.RetryDelivery(ctx, evID, id)) }},
		{"ListDeliveryAttempts event", "event_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListDeliveryAttempts(ctx, id, ruleID, Page{}))
		}},
		{"ListDeliveryAttempts rule", "rule_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.ListDeliveryAttempts(ctx, evID, id, Page{}))
		}},
		{"GetDeliveryAttempt", "attempt_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.GetDeliveryAttempt(ctx, evID, ruleID, id))
		}},
		{"GetAttemptResponse", "attempt_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.GetAttemptResponse(ctx, evID, ruleID, id))
		}},
		{"CancelDelivery event", "event_id", func(ctx context.Context, c *Client, id string) error {
			return ignore(c.CancelDelivery(ctx, id, ruleID))
		}},
		{"CancelDelivery rule", "rule_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.CancelDelivery(ctx, evID, id)) }},
		{"CancelEvent", "event_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.CancelEvent(ctx, id)) }},
		{"RefreshSession", "session_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.RefreshSession(ctx, id)) }},
		{"RevokeSession", "session_id", func(ctx context.Context, c *Client, id string) error { return ignore(c.RevokeSession(ctx, id)) }},
	}
	hostile := []string{"../x", "..", "%2e%2e", "%2E%2E%2Fx", "a/b", "", " ", "x y", wsID + "/../x", wsID + "?x=1", wsID + "#f", "sess_1\n", "é"}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, `{}`) })
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	for _, op := range ops {
		for _, id := range hostile {
			err := op.call(context.Background(), c, id)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != op.field {
				t.Errorf("%s(%q): got %v, want a ValidationError for %s", op.name, id, err, op.field)
			}
		}
	}
	if got := f.count(); got != 0 {
		t.Errorf("%d requests left for Meshes with invalid ids", got)
	}
}

func TestClientSideValidationSendsNothing(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, `{}`) })
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	tests := map[string]func() error{
		"bulk of 0":   func() error { _, err := c.SendEvents(context.Background(), nil); return err },
		"bulk of 101": func() error { _, err := c.SendEvents(context.Background(), make([]EventInput, 101)); return err },
		"sessions without workspace": func() error {
			_, err := c.ListSessions(context.Background(), SessionQuery{})
			return err
		},
	}
	for name, call := range tests {
		var ve *ValidationError
		if err := call(); !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a ValidationError", name, err)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d requests sent", f.count())
	}
}

func TestSuccessBodies(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		maxBytes    int64
		wantErr     string
		// wantRequests is how many times the read is sent (0 means once).
		wantRequests int
		// wantNotJSON: the body was not JSON at all.
		wantNotJSON bool
	}{
		{name: "empty 200 body is success", contentType: "application/json"},
		{name: "JSON with charset", contentType: "application/json; charset=utf-8", body: wsJSON},
		{name: "no content type but JSON", body: wsJSON},
		{name: "HTML instead of JSON", contentType: "text/html", body: "<html>Meshes marketing site</html>", wantErr: "text/html, not JSON", wantNotJSON: true},
		{name: "malformed JSON is read again, then said safe to repeat", contentType: "application/json", body: `{"id":`,
			wantErr: "could not be decoded", wantRequests: 4},
		{name: "oversize body", contentType: "application/json", body: `{"id":"` + strings.Repeat("x", 500) + `"}`, maxBytes: 100, wantErr: "larger than 100 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(200)
				fmt.Fprint(w, tc.body)
			})
			cfg := testConfig(f.srv.URL)
			cfg.MaxResponseBytes = tc.maxBytes
			c, _ := newTestClient(t, cfg)
			_, err := c.GetWorkspace(context.Background(), wsID)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var re *ResponseError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want a ResponseError containing %q", err, tc.wantErr)
			}
			if want := max(tc.wantRequests, 1); f.count() != want {
				t.Errorf("%d requests, want %d (only a garbled read is worth repeating)", f.count(), want)
			}
			if re.NotJSON != tc.wantNotJSON {
				t.Errorf("NotJSON = %v, want %v", re.NotJSON, tc.wantNotJSON)
			}
		})
	}
}

// An error carries the ids the failed call named, with their kinds and
// where they travelled, so callers need not parse the path.
func TestErrorsCarryTheObjects(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 404, `{"message":"Rule not found"}`) })
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	var ae *APIError
	if err := retryDelivery(context.Background(), c); !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *APIError", err)
	}
	want := []ObjectRef{
		{IDRef: IDRef{Kind: "event", Field: "event_id", In: InPath}, ID: evID},
		{IDRef: IDRef{Kind: "rule", Field: "rule_id", In: InPath}, ID: ruleID},
	}
	if !reflect.DeepEqual(ae.Objects, want) || ae.Op.Name != "RetryDelivery" {
		t.Errorf("objects %+v of %s, want %+v", ae.Objects, ae.Op.Name, want)
	}
	if err := createRule(context.Background(), c); !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *APIError", err)
	}
	want = []ObjectRef{
		{IDRef: IDRef{Kind: "workspace", Field: "workspace", In: InBody}, ID: wsID},
		{IDRef: IDRef{Kind: "connection", Field: "connection", In: InBody}, ID: connID},
	}
	if !reflect.DeepEqual(ae.Objects, want) {
		t.Errorf("create rule objects %+v, want %+v", ae.Objects, want)
	}
}
