package meshesapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// opCase is one API operation as Meshes specifies it on the wire (docs/meshes-api.md §1).
type opCase struct {
	name string // starts with the Client method name, which names the operation
	call func(context.Context, *Client) (string, error)
	// wantPath is relative to the base, escaped. The HTTP method and the
	// base (ingestion or management) come from the operation's descriptor.
	wantPath  string
	wantQuery url.Values
	wantBody  string // JSON; "" means no body at all
	status    int
	resp      string
	want      string // what call extracts from the decoded response
}

const (
	wsJSON   = `{"id":"` + wsID + `","name":"Acme","description":null,"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}`
	connJSON = `{"id":"` + connID + `","workspace":"` + wsID + `","type":"webhook","name":"Hook","metadata":{},"created_by":"u","created_at":"t","updated_at":"t"}`
	ruleJSON = `{"id":"` + ruleID + `","workspace":"` + wsID + `","connection":"` + connID + `","type":"webhook","event":"user.signup","metadata":{"action":"send_webhook"},"created_by":"u","created_at":"t","updated_at":"t"}`
	evJSON   = `{"id":"` + evID + `","workspace":"` + wsID + `","event":"user.signup","status":"failed","created_by":"u","created_at":"t","rule_events":[{"id":"x","rule":"` + ruleID + `","status":"failed","attempt_count":3,"last_error":"boom"}]}`
)

func list(records string) string {
	return `{"count":1,"limit":20,"next_cursor":null,"records":[` + records + `]}`
}

func operationCases() []opCase {
	mapping := `{"status":"stored","mapping":{"id":"m1","mapping_id":"m1","version":4,"schema":{"schema_version":1,"fields":[]}}}`
	return []opCase{
		// Workspaces (9)
		{name: "ListWorkspaces", wantPath: "/workspaces", status: 200, resp: list(wsJSON), want: "Acme",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListWorkspaces(ctx, Page{})
				return field(err, func() string { return l.Records[0].Name })
			}},
		{name: "CreateWorkspace", wantPath: "/workspaces", wantBody: `{"name":"Acme","description":"Main"}`,
			status: 201, resp: `{"workspace":` + wsJSON + `}`, want: wsID,
			call: func(ctx context.Context, c *Client) (string, error) {
				w, err := c.CreateWorkspace(ctx, CreateWorkspaceRequest{Name: "Acme", Description: ptr("Main")})
				return field(err, func() string { return w.ID })
			}},
		{name: "CreateWorkspace without description omits the key", wantPath: "/workspaces", wantBody: `{"name":"Acme"}`,
			status: 201, resp: `{"workspace":` + wsJSON + `}`, want: wsID,
			call: func(ctx context.Context, c *Client) (string, error) {
				w, err := c.CreateWorkspace(ctx, CreateWorkspaceRequest{Name: "Acme"})
				return field(err, func() string { return w.ID })
			}},
		{name: "GetWorkspace", wantPath: "/workspaces/" + wsID, status: 200,
			resp: `{"id":"` + wsID + `","name":"Acme","description":null,"publishable_key":{"name":"Default","public_key":"` + testPubKey + `"}}`, want: testPubKey,
			call: func(ctx context.Context, c *Client) (string, error) {
				w, err := c.GetWorkspace(ctx, wsID)
				return field(err, func() string { return w.PublishableKey.PublicKey })
			}},
		{name: "UpdateWorkspace sends null to clear the description", wantPath: "/workspaces/" + wsID,
			wantBody: `{"name":"Acme 2","description":null}`, status: 200, resp: wsJSON, want: "Acme",
			call: func(ctx context.Context, c *Client) (string, error) {
				w, err := c.UpdateWorkspace(ctx, wsID, UpdateWorkspaceRequest{Name: "Acme 2"})
				return field(err, func() string { return w.Name })
			}},
		{name: "ListWorkspaceConnections", wantPath: "/workspaces/" + wsID + "/connections", status: 200, resp: list(connJSON), want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListWorkspaceConnections(ctx, wsID, Page{})
				return field(err, func() string { return l.Records[0].ID })
			}},
		{name: "ListWorkspaceRules", wantPath: "/workspaces/" + wsID + "/rules",
			wantQuery: url.Values{"event": {"user.signup"}, "resource": {"user"}, "resource_id": {"u 1/2"}}, status: 200, resp: list(ruleJSON), want: ruleID,
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListWorkspaceRules(ctx, wsID, RuleFilter{Event: "user.signup", Resource: "user", ResourceID: "u 1/2"})
				return field(err, func() string { return l.Records[0].ID })
			}},
		{name: "ListWorkspaceEvents", wantPath: "/workspaces/" + wsID + "/events",
			wantQuery: url.Values{"limit": {"25"}, "cursor": {"c_1"}, "event": {"user.signup"}, "status": {"failed"}, "resource": {"user"}, "resource_id": {"u1"}},
			status:    200, resp: list(evJSON), want: "failed",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListWorkspaceEvents(ctx, wsID, EventQuery{Page: Page{Limit: 25, Cursor: "c_1"}, Event: "user.signup", Status: "failed", Resource: "user", ResourceID: "u1"})
				return field(err, func() string { return l.Records[0].Status })
			}},
		{name: "ListEventTypes", wantPath: "/workspaces/" + wsID + "/event-types", status: 200,
			resp: `[{"id":"e1","key":"user.signup","label":"User Signup","description":null,"created_by":null}]`, want: "user.signup",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListEventTypes(ctx, wsID)
				return field(err, func() string { return l[0].Key })
			}},
		{name: "ListResources", wantPath: "/workspaces/" + wsID + "/resources", status: 200,
			resp: `[{"id":"r1","key":"contacts","label":"Contacts","description":null,"created_by":null}]`, want: "contacts",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListResources(ctx, wsID)
				return field(err, func() string { return l[0].Key })
			}},

		// Connections (9) and integrations (1)
		{name: "ListConnections", wantPath: "/connections", status: 200, resp: list(connJSON), want: "Hook",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListConnections(ctx, Page{})
				return field(err, func() string { return l.Records[0].Name })
			}},
		{name: "ListConnections passes back the cursor", wantPath: "/connections",
			wantQuery: url.Values{"cursor": {"c_2"}}, status: 200, resp: list(connJSON), want: "Hook",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListConnections(ctx, Page{Cursor: "c_2"})
				return field(err, func() string { return l.Records[0].Name })
			}},
		{name: "CreateConnection", wantPath: "/connections",
			wantBody: `{"workspace":"` + wsID + `","type":"webhook","name":"Hook","metadata":{"url":"https://example.com/h"},"hidden":true}`,
			status:   201, resp: `{"connection":` + connJSON + `}`, want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				cn, err := c.CreateConnection(ctx, CreateConnectionRequest{Workspace: wsID, Type: "webhook", Name: "Hook",
					Metadata: map[string]any{"url": "https://example.com/h"}, Hidden: ptr(true)})
				return field(err, func() string { return cn.ID })
			}},
		{name: "CreateConnection with nil metadata sends an empty object", wantPath: "/connections",
			wantBody: `{"workspace":"` + wsID + `","type":"slack","name":"Chat","metadata":{}}`,
			status:   201, resp: `{"connection":` + connJSON + `}`, want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				cn, err := c.CreateConnection(ctx, CreateConnectionRequest{Workspace: wsID, Type: "slack", Name: "Chat"})
				return field(err, func() string { return cn.ID })
			}},
		{name: "GetConnection", wantPath: "/connections/" + connID, status: 200, resp: connJSON, want: "webhook",
			call: func(ctx context.Context, c *Client) (string, error) {
				cn, err := c.GetConnection(ctx, connID)
				return field(err, func() string { return cn.Type })
			}},
		{name: "UpdateConnection", wantPath: "/connections/" + connID,
			wantBody: `{"name":"Hook 2","metadata":{"url":"https://example.com/2"},"hidden":false}`, status: 200, resp: connJSON, want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				cn, err := c.UpdateConnection(ctx, connID, UpdateConnectionRequest{Name: "Hook 2", Metadata: map[string]any{"url": "https://example.com/2"}, Hidden: ptr(false)})
				return field(err, func() string { return cn.ID })
			}},
		{name: "DeleteConnection without force sends no body", wantPath: "/connections/" + connID,
			status: 200, resp: `{"id":"` + connID + `","type":"webhook"}`, want: "webhook",
			call: func(ctx context.Context, c *Client) (string, error) {
				d, err := c.DeleteConnection(ctx, connID, false)
				return field(err, func() string { return d.Type })
			}},
		{name: "DeleteConnection with force", wantPath: "/connections/" + connID, wantBody: `{"force_delete":true}`,
			status: 200, resp: `{"id":"` + connID + `","type":"webhook"}`, want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				d, err := c.DeleteConnection(ctx, connID, true)
				return field(err, func() string { return d.ID })
			}},
		{name: "GetConnectionActions", wantPath: "/connections/" + connID + "/actions", status: 200,
			resp: `{"add_to_list":{"lists":[{"id":"5","name":"Unit Test List"}]}}`, want: `{"add_to_list":{"lists":[{"id":"5","name":"Unit Test List"}]}}`,
			call: func(ctx context.Context, c *Client) (string, error) {
				raw, err := c.GetConnectionActions(ctx, connID)
				return field(err, func() string { return string(raw) })
			}},
		{name: "GetConnectionFields with refresh", wantPath: "/connections/" + connID + "/fields", wantQuery: url.Values{"refresh": {"true"}},
			status: 200, resp: `{"id":"f","catalog_version":"v3","fields":[{"key":"email","type":"string","constraints":{"format":"email"}}]}`, want: "email",
			call: func(ctx context.Context, c *Client) (string, error) {
				f, err := c.GetConnectionFields(ctx, connID, true)
				return field(err, func() string { return f.Fields[0].Constraints.Format })
			}},
		{name: "GetConnectionFields without refresh sends no query", wantPath: "/connections/" + connID + "/fields",
			status: 200, resp: `{"id":"f","catalog_version":"v3","fields":[]}`, want: "v3",
			call: func(ctx context.Context, c *Client) (string, error) {
				f, err := c.GetConnectionFields(ctx, connID, false)
				return field(err, func() string { return f.CatalogVersion })
			}},
		{name: "GetDefaultMapping", wantPath: "/connections/" + connID + "/mappings/default", status: 200, resp: mapping, want: "stored 4",
			call: func(ctx context.Context, c *Client) (string, error) {
				m, err := c.GetDefaultMapping(ctx, connID)
				return field(err, func() string { return fmt.Sprint(m.Status, " ", m.Mapping.Version) })
			}},
		{name: "PutDefaultMapping", wantPath: "/connections/" + connID + "/mappings/default",
			wantBody: `{"schema":{"schema_version":1,"fields":[{"dest":"email","source":{"type":"path","value":"user.email"},"transforms":[{"type":"lower"}]},` +
				`{"dest":"company","source":{"type":"literal","value":null},"on_error":"skip_field"}]},"expected_version":3,"name":"Default Mapping"}`,
			status: 200, resp: mapping, want: "4",
			call: func(ctx context.Context, c *Client) (string, error) {
				m, err := c.PutDefaultMapping(ctx, connID, PutMappingRequest{
					Schema: MappingSchema{SchemaVersion: 1, Fields: []MappingField{
						{Dest: "email", Source: MappingSource{Type: "path", Value: json.RawMessage(`"user.email"`)}, Transforms: []MappingTransform{{Type: "lower"}}},
						{Dest: "company", Source: MappingSource{Type: "literal", Value: json.RawMessage(`null`)}, OnError: "skip_field"},
					}},
					ExpectedVersion: ptr(3), Name: "Default Mapping"})
				return field(err, func() string { return fmt.Sprint(m.Mapping.Version) })
			}},
		{name: "ListIntegrations", wantPath: "/integrations", status: 200,
			resp: list(`{"type":"slack","name":"Slack","authentication":{"type":"oauth","oauth":{"version":2}},"actions":{"send_message":{"key":"send_message","label":"Send","noun":"message","fields":["id","template"]}}}`),
			want: "send_message 2",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListIntegrations(ctx, Page{})
				return field(err, func() string {
					return l.Records[0].Actions["send_message"].Key + " " + fmt.Sprint(l.Records[0].Authentication.OAuth.Version)
				})
			}},

		// Rules (4)
		{name: "ListRules", wantPath: "/rules", wantQuery: url.Values{"event": {"user.signup"}}, status: 200, resp: list(ruleJSON), want: "send_webhook",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListRules(ctx, RuleFilter{Event: "user.signup"})
				return field(err, func() string { return fmt.Sprint(l.Records[0].Metadata["action"]) })
			}},
		{name: "CreateRule", wantPath: "/rules",
			wantBody: `{"workspace":"` + wsID + `","connection":"` + connID + `","event":"user.signup","metadata":{"action":"add_to_list","id":"5"},"resource":"user","resource_id":"u1","active":false}`,
			status:   201, resp: `{"rule":` + ruleJSON + `}`, want: ruleID,
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.CreateRule(ctx, CreateRuleRequest{Workspace: wsID, Connection: connID, Event: "user.signup",
					Metadata: map[string]any{"action": "add_to_list", "id": "5"}, Resource: "user", ResourceID: "u1", Active: ptr(false)})
				return field(err, func() string { return r.ID })
			}},
		{name: "GetRule", wantPath: "/rules/" + ruleID, status: 200, resp: ruleJSON, want: connID,
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.GetRule(ctx, ruleID)
				return field(err, func() string { return r.Connection })
			}},
		{name: "DeleteRule", wantPath: "/rules/" + ruleID, status: 200,
			resp: `{"id":"` + ruleID + `","connection":"` + connID + `","type":"webhook","event":"user.signup"}`, want: "user.signup",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.DeleteRule(ctx, ruleID)
				return field(err, func() string { return r.Event })
			}},

		// Events (6)
		{name: "SendEvent", wantPath: "/events",
			wantBody: `{"event":"user.signup","payload":{"email":"a@b.co","plan":"pro"},"resource":"user","resource_id":"u1","workspace":"` + wsID + `"}`,
			status:   201, resp: `{"event":{"id":"` + evID + `","event":"user.signup","workspace":"` + wsID + `","created_by":"pub_key","created_at":"t"}}`, want: evID,
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.SendEvent(ctx, EventInput{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co","plan":"pro"}`), Resource: "user", ResourceID: "u1", Workspace: wsID})
				return field(err, func() string { return r.ID })
			}},
		{name: "SendEvents 207 reports the status and per-item outcome", wantPath: "/events/bulk",
			wantBody: `[{"event":"a.b","payload":{"email":"a@b.co"}},{"event":"","payload":{}}]`,
			status:   207, resp: `{"count":2,"error_count":1,"records":[{"id":"` + evID + `","event":"a.b","workspace":"` + wsID + `"},{"message":"event is required"}]}`,
			want: "207 true false event is required",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.SendEvents(ctx, []EventInput{{Event: "a.b", Payload: json.RawMessage(`{"email":"a@b.co"}`)}, {Event: "", Payload: json.RawMessage(`{}`)}})
				return field(err, func() string {
					return fmt.Sprint(r.Status, " ", r.Records[0].Accepted(), " ", r.Records[1].Accepted(), " ", r.Records[1].Message)
				})
			}},
		{name: "SendEvents 201", wantPath: "/events/bulk",
			wantBody: `[{"event":"a.b","payload":{"n":1}}]`,
			status:   201, resp: `{"count":1,"records":[{"id":"` + evID + `","event":"a.b","workspace":"` + wsID + `"}]}`, want: "201 1",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.SendEvents(ctx, []EventInput{{Event: "a.b", Payload: json.RawMessage(`{"n":1}`)}})
				return field(err, func() string { return fmt.Sprint(r.Status, " ", r.Count) })
			}},
		{name: "ListEvents", wantPath: "/events", wantQuery: url.Values{"limit": {"50"}, "cursor": {"c_2"}}, status: 200, resp: list(evJSON), want: evID,
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListEvents(ctx, Page{Limit: 50, Cursor: "c_2"})
				return field(err, func() string { return l.Records[0].ID })
			}},
		{name: "GetEvent", wantPath: "/events/" + evID, status: 200, resp: evJSON, want: "3 boom",
			call: func(ctx context.Context, c *Client) (string, error) {
				e, err := c.GetEvent(ctx, evID)
				return field(err, func() string { return fmt.Sprint(e.RuleEvents[0].AttemptCount, " ", e.RuleEvents[0].LastError) })
			}},
		{name: "GetEventPayload", wantPath: "/events/" + evID + "/payload", status: 200,
			resp: `{"id":"` + evID + `","event":"user.signup","status":"completed","payload":{"email":"a@b.co"}}`, want: "a@b.co",
			call: func(ctx context.Context, c *Client) (string, error) {
				e, err := c.GetEventPayload(ctx, evID)
				return field(err, func() string { return fmt.Sprint(e.Payload["email"]) })
			}},
		{name: "RetryDelivery", wantPath: "/events/" + evID + "/rules/" + ruleID + "/retry", status: 200,
			resp: `{"id":"re1","rule":"` + ruleID + `","event_id":"` + evID + `","status":"pending","attempt_count":4}`, want: "pending 4",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.RetryDelivery(ctx, evID, ruleID)
				return field(err, func() string { return fmt.Sprint(r.Status, " ", r.AttemptCount) })
			}},

		// Deliveries (5, §10.6)
		{name: "ListDeliveryAttempts", wantPath: "/events/" + evID + "/rules/" + ruleID + "/attempts",
			wantQuery: url.Values{"limit": {"200"}}, status: 200,
			resp: list(`{"id":"a1","attempt_number":2,"outcome_code":"auth_failed","message":"webhook responded 401","duration_ms":35,"response_status":401}`),
			want: "2 auth_failed 35 401",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListDeliveryAttempts(ctx, evID, ruleID, Page{Limit: 200})
				return field(err, func() string {
					a := l.Records[0]
					return fmt.Sprint(a.AttemptNumber, " ", a.OutcomeCode, " ", *a.DurationMs, " ", a.ResponseStatus)
				})
			}},
		{name: "GetDeliveryAttempt", wantPath: "/events/" + evID + "/rules/" + ruleID + "/attempts/att_1", status: 200,
			resp: `{"id":"att_1","outcome_code":"timeout","message":"timed out"}`, want: "timeout",
			call: func(ctx context.Context, c *Client) (string, error) {
				a, err := c.GetDeliveryAttempt(ctx, evID, ruleID, "att_1")
				return field(err, func() string { return a.OutcomeCode })
			}},
		{name: "GetAttemptResponse", wantPath: "/events/" + evID + "/rules/" + ruleID + "/attempts/att_1/response-details", status: 200,
			resp: `{"attempt_id":"att_1","status_code":401,"headers":{"content-type":"text/plain"},"body":"bad token","body_truncated":true}`, want: "401 text/plain bad token true",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.GetAttemptResponse(ctx, evID, ruleID, "att_1")
				return field(err, func() string {
					return fmt.Sprint(r.StatusCode, " ", r.Headers["content-type"], " ", r.Body, " ", r.BodyTruncated)
				})
			}},
		{name: "CancelDelivery", wantPath: "/events/" + evID + "/rules/" + ruleID + "/cancel", status: 200,
			resp: `{"id":"re1","rule":"` + ruleID + `","status":"canceled","attempt_count":2}`, want: "canceled",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.CancelDelivery(ctx, evID, ruleID)
				return field(err, func() string { return r.Status })
			}},
		{name: "CancelEvent", wantPath: "/events/" + evID + "/cancel", status: 200,
			resp: `{"id":"` + evID + `","status":"canceled","rule_events":[{"rule":"` + ruleID + `","status":"canceled"}]}`, want: "canceled canceled",
			call: func(ctx context.Context, c *Client) (string, error) {
				e, err := c.CancelEvent(ctx, evID)
				return field(err, func() string { return e.Status + " " + e.RuleEvents[0].Status })
			}},

		// Sessions (4)
		{name: "CreateSession", wantPath: "/sessions",
			wantBody: `{"workspace_id":"` + wsID + `","role":"admin","session_type":"resource","external_user_id":"user_9","ttl_seconds":900,` +
				`"launch_page":"events","resource":"user","resource_id":"u1","allowed_origins":["https://app.example.com"],"scopes":["events.payload:read"]}`,
			status: 200, resp: `{"session_id":"` + sessID + `","access_token":"opaque","expires_in":900,"launch_url":"https://embed.meshes.io/x"}`, want: sessID + " 900",
			call: func(ctx context.Context, c *Client) (string, error) {
				s, err := c.CreateSession(ctx, CreateSessionRequest{WorkspaceID: wsID, Role: "admin", SessionType: "resource", ExternalUserID: "user_9",
					TTLSeconds: ptr(900), LaunchPage: "events", Resource: "user", ResourceID: "u1",
					AllowedOrigins: []string{"https://app.example.com"}, Scopes: []string{"events.payload:read"}})
				return field(err, func() string { return fmt.Sprint(s.SessionID, " ", s.ExpiresIn) })
			}},
		{name: "ListSessions", wantPath: "/sessions",
			wantQuery: url.Values{"workspace_id": {wsID}, "limit": {"10"}, "status": {"active"}, "resource": {"user"}, "resource_id": {"u1"}},
			status:    200, resp: list(`{"session_id":"` + sessID + `","status":"active","is_expired":true}`), want: "true",
			call: func(ctx context.Context, c *Client) (string, error) {
				l, err := c.ListSessions(ctx, SessionQuery{WorkspaceID: wsID, Page: Page{Limit: 10}, Status: "active", Resource: "user", ResourceID: "u1"})
				return field(err, func() string { return fmt.Sprint(l.Records[0].IsExpired) })
			}},
		{name: "RefreshSession", wantPath: "/sessions/" + sessID + "/refresh", status: 200,
			resp: `{"session_id":"` + sessID + `","access_token":"new","expires_in":1800}`, want: "new",
			call: func(ctx context.Context, c *Client) (string, error) {
				s, err := c.RefreshSession(ctx, sessID)
				return field(err, func() string { return s.AccessToken })
			}},
		{name: "RevokeSession", wantPath: "/sessions/" + sessID, status: 200, resp: `{"revoked":true}`, want: "true",
			call: func(ctx context.Context, c *Client) (string, error) {
				r, err := c.RevokeSession(ctx, sessID)
				return field(err, func() string { return fmt.Sprint(r.Revoked) })
			}},
	}
}

func field(err error, get func() string) (string, error) {
	if err != nil {
		return "", err
	}
	return get(), nil
}

// TestOperationsOnTheWire checks method, path, query, body and credentials
// of every operation against its descriptor, and that each response shape
// decodes.
func TestOperationsOnTheWire(t *testing.T) {
	for _, withPubKey := range []bool{true, false} {
		for _, tc := range operationCases() {
			t.Run(fmt.Sprintf("%s/publishable_key=%v", tc.name, withPubKey), func(t *testing.T) {
				op, ok := LookupOperation(strings.Fields(tc.name)[0])
				if !ok {
					t.Fatalf("no operation is declared for %s", tc.name)
				}
				if !templateMatches(op.Path, tc.wantPath) {
					t.Errorf("%s declares path %s, the wire test expects %s", op.Name, op.Path, tc.wantPath)
				}
				f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, tc.status, tc.resp) })
				cfg := testConfig(f.srv.URL + "/mgmt")
				cfg.EventsURL = f.srv.URL + "/ingest"
				if withPubKey {
					cfg.PublishableKey = testPubKey
				}
				c, _ := newTestClient(t, cfg)

				got, err := tc.call(context.Background(), c)
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				if got != tc.want {
					t.Errorf("decoded %q, want %q", got, tc.want)
				}
				reqs := f.requests()
				if len(reqs) != 1 {
					t.Fatalf("%d requests, want 1", len(reqs))
				}
				req := reqs[0]
				base := "/mgmt/api/v1"
				if op.Ingest {
					base = "/ingest/api/v1"
				}
				if req.Method != op.Method || req.Path != base+tc.wantPath {
					t.Errorf("sent %s %s, want %s %s", req.Method, req.Path, op.Method, base+tc.wantPath)
				}
				gotQuery, _ := url.ParseQuery(req.RawQuery)
				if len(gotQuery) == 0 {
					gotQuery = nil
				}
				if !reflect.DeepEqual(gotQuery, tc.wantQuery) {
					t.Errorf("query %v, want %v", gotQuery, tc.wantQuery)
				}
				assertBody(t, req, tc.wantBody)
				if got := req.Header.Get("Accept"); got != "application/json" {
					t.Errorf("Accept %q", got)
				}
				if got := req.Header.Get("X-Meshes-Client"); got != DefaultUserAgent {
					t.Errorf("X-Meshes-Client %q", got)
				}
				assertCredentials(t, req, op.Ingest && withPubKey)
			})
		}
	}
}

func assertBody(t *testing.T, req seenRequest, want string) {
	t.Helper()
	if want == "" {
		if len(req.Body) != 0 || req.Header.Get("Content-Type") != "" {
			t.Errorf("sent body %q (Content-Type %q), want none", req.Body, req.Header.Get("Content-Type"))
		}
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got, exp any
	if err := json.Unmarshal(req.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %s", req.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad test body: %v", err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body\n got %s\nwant %s", req.Body, want)
	}
}

// assertCredentials checks that exactly one credential was sent: the
// publishable key on ingestion when configured, else a valid machine JWT.
func assertCredentials(t *testing.T, req seenRequest, wantPubKey bool) {
	t.Helper()
	auth := req.Header.Get("Authorization")
	pub := req.Header.Get("X-Meshes-Publishable-Key")
	if wantPubKey {
		if pub != testPubKey || auth != "" {
			t.Errorf("ingestion sent publishable key %q and Authorization %q; want only the key", pub, auth)
		}
		return
	}
	if pub != "" {
		t.Errorf("sent the publishable key outside ingestion")
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		t.Fatalf("Authorization %q is not a bearer token", auth)
	}
	verifyMachineJWT(t, tok, time.Now())
}

// templateMatches reports whether an escaped path fills a path template.
func templateMatches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if !strings.HasPrefix(ts[i], "{") && ts[i] != ps[i] {
			return false
		}
	}
	return true
}

// TestEveryOperationIsCovered keeps the operation table and the wire table
// complete: every request method of Client is a declared operation, and
// every declared operation has a wire case.
func TestEveryOperationIsCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range operationCases() {
		covered[strings.Fields(tc.name)[0]] = true
	}
	declared := map[string]bool{}
	for _, op := range Operations() {
		if declared[op.Name] {
			t.Errorf("operation %s is declared twice", op.Name)
		}
		declared[op.Name] = true
		if !covered[op.Name] {
			t.Errorf("operation %s has no wire test", op.Name)
		}
	}
	accessors := map[string]bool{"HasPublishableKey": true, "MaxRequestBytes": true}
	typ := reflect.TypeFor[*Client]()
	for i := range typ.NumMethod() {
		if name := typ.Method(i).Name; !accessors[name] && !declared[name] {
			t.Errorf("Client.%s performs no declared operation; declare it in operations.go", name)
		}
	}
}

// Every operation's descriptor is well formed: a known method, a route
// whose path parameters are its first ids, and a kind for every id.
func TestOperationDescriptors(t *testing.T) {
	routes := map[string]string{}
	for _, op := range Operations() {
		switch op.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete:
		default:
			t.Errorf("%s: method %q", op.Name, op.Method)
		}
		route := op.Method + " " + op.Path
		if other, dup := routes[route]; dup {
			t.Errorf("%s and %s both declare %s", op.Name, other, route)
		}
		routes[route] = op.Name
		if op.Kind == "" {
			t.Errorf("%s has no object kind", op.Name)
		}
		for _, id := range op.IDs {
			if id.Kind == "" || id.Field == "" || (id.In != InPath && id.In != InBody && id.In != InQuery) {
				t.Errorf("%s: malformed id %+v", op.Name, id)
			}
		}
		if op.Ingest && op.Method != http.MethodPost {
			t.Errorf("%s: only POSTs go to the ingestion base", op.Name)
		}
	}
}
