package meshesapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Operation describes one Meshes API operation as this client calls it. It
// is declared once, below, and travels with every error the operation
// returns, so callers learn what failed (and which ids it named) without
// parsing URLs. docs/meshes-api.md explains each operation.
type Operation struct {
	// Name is the Client method that performs the operation.
	Name string
	// Method is the HTTP method and Path the template relative to the API
	// base, with {param} placeholders: "/connections/{connection_id}/fields".
	Method, Path string
	// Kind is the object the operation reads, changes or creates.
	Kind string
	// IDs are the ids the request names: the path parameters in order, then
	// ids carried in the body or query.
	IDs []IDRef
	// Ingest operations go to the ingestion base (MESHES_EVENTS_URL) and
	// authenticate with the publishable key when one is configured.
	Ingest bool
}

// IDRef is one id an operation names.
type IDRef struct {
	// Kind is the object the id designates ("connection").
	Kind string
	// Field is its wire name: the path parameter ("connection_id") or the
	// body or query key ("connection").
	Field string
	// In says where it travels: "path", "body" or "query".
	In string
}

// Where an IDRef travels.
const (
	InPath  = "path"
	InBody  = "body"
	InQuery = "query"
)

// Creates reports whether the operation creates an object (a POST to a
// collection).
func (o Operation) Creates() bool {
	return o.Method == http.MethodPost && !strings.Contains(o.Path, "{")
}

func (o Operation) String() string { return o.Name + " (" + o.Method + " " + o.Path + ")" }

// pathParam is the rule a path parameter's value must meet, and the kind of
// object it names.
type pathParam struct {
	kind string
	ok   func(string) bool
	rule string
}

const uuidRule = "must be a UUID such as 123e4567-e89b-42d3-a456-426614174000"

var (
	uuidPattern = lazyregexp.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Session ids are opaque strings (documented example sess_<uuid>); this
	// pattern admits every documented shape and nothing that could alter a path.
	sessionIDPattern = lazyregexp.New(`^[A-Za-z0-9_-]{1,128}$`)
)

// pathParams are every path parameter an operation template may use.
var pathParams = map[string]pathParam{
	"workspace_id":  {kind: "workspace", ok: IsUUID, rule: uuidRule},
	"connection_id": {kind: "connection", ok: IsUUID, rule: uuidRule},
	"rule_id":       {kind: "rule", ok: IsUUID, rule: uuidRule},
	"event_id":      {kind: "event", ok: IsUUID, rule: uuidRule},
	"session_id": {kind: "session", ok: sessionIDPattern.MatchString,
		rule: "must be 1-128 characters of letters, digits, '_' or '-' (e.g. sess_...)"},
	// Attempt ids are opaque (the sandbox mints UUIDs); the pattern admits
	// any id Meshes may mint and nothing that could alter a path.
	"attempt_id": {kind: "attempt", ok: sessionIDPattern.MatchString,
		rule: "must be 1-128 characters of letters, digits, '_' or '-' (an id from the delivery's attempts)"},
}

// The operation table: one entry per operation. Adding an operation is one
// declare line here (plus a pathParams entry for a new kind of path id) and
// the Client method that passes it to call; the wire test, the docs check
// and the error descriptions all read this table.
var (
	// Workspaces
	opListWorkspaces           = declare("ListWorkspaces", "GET /workspaces", "workspace")
	opCreateWorkspace          = declare("CreateWorkspace", "POST /workspaces", "workspace")
	opGetWorkspace             = declare("GetWorkspace", "GET /workspaces/{workspace_id}", "workspace")
	opUpdateWorkspace          = declare("UpdateWorkspace", "PUT /workspaces/{workspace_id}", "workspace")
	opListWorkspaceConnections = declare("ListWorkspaceConnections", "GET /workspaces/{workspace_id}/connections", "connection")
	opListWorkspaceRules       = declare("ListWorkspaceRules", "GET /workspaces/{workspace_id}/rules", "rule")
	opListWorkspaceEvents      = declare("ListWorkspaceEvents", "GET /workspaces/{workspace_id}/events", "event")
	opListEventTypes           = declare("ListEventTypes", "GET /workspaces/{workspace_id}/event-types", "event type")
	opListResources            = declare("ListResources", "GET /workspaces/{workspace_id}/resources", "resource")

	// Connections and integrations
	opListConnections      = declare("ListConnections", "GET /connections", "connection")
	opCreateConnection     = declare("CreateConnection", "POST /connections", "connection", bodyID("workspace", "workspace"))
	opGetConnection        = declare("GetConnection", "GET /connections/{connection_id}", "connection")
	opUpdateConnection     = declare("UpdateConnection", "PUT /connections/{connection_id}", "connection")
	opDeleteConnection     = declare("DeleteConnection", "DELETE /connections/{connection_id}", "connection")
	opGetConnectionActions = declare("GetConnectionActions", "GET /connections/{connection_id}/actions", "connection")
	opGetConnectionFields  = declare("GetConnectionFields", "GET /connections/{connection_id}/fields", "connection")
	opGetDefaultMapping    = declare("GetDefaultMapping", "GET /connections/{connection_id}/mappings/default", "mapping")
	opPutDefaultMapping    = declare("PutDefaultMapping", "PUT /connections/{connection_id}/mappings/default", "mapping",
		bodyID("workspace", "workspace_id"), bodyID("mapping", "mapping_id"))
	opListIntegrations = declare("ListIntegrations", "GET /integrations", "integration")

	// Rules
	opListRules  = declare("ListRules", "GET /rules", "rule")
	opCreateRule = declare("CreateRule", "POST /rules", "rule", bodyID("workspace", "workspace"), bodyID("connection", "connection"))
	opGetRule    = declare("GetRule", "GET /rules/{rule_id}", "rule")
	opDeleteRule = declare("DeleteRule", "DELETE /rules/{rule_id}", "rule")

	// Events
	opSendEvent       = declareIngest("SendEvent", "POST /events", "event", bodyID("workspace", "workspace"))
	opSendEvents      = declareIngest("SendEvents", "POST /events/bulk", "event", bodyID("workspace", "workspace"))
	opListEvents      = declare("ListEvents", "GET /events", "event")
	opGetEvent        = declare("GetEvent", "GET /events/{event_id}", "event")
	opGetEventPayload = declare("GetEventPayload", "GET /events/{event_id}/payload", "event")
	opRetryDelivery   = declare("RetryDelivery", "POST /events/{event_id}/rules/{rule_id}/retry", "delivery")

	// Deliveries (§10.6; shapes in docs/deliveries.md)
	opListDeliveryAttempts = declare("ListDeliveryAttempts", "GET /events/{event_id}/rules/{rule_id}/attempts", "attempt")
	opGetDeliveryAttempt   = declare("GetDeliveryAttempt", "GET /events/{event_id}/rules/{rule_id}/attempts/{attempt_id}", "attempt")
	opGetAttemptResponse   = declare("GetAttemptResponse", "GET /events/{event_id}/rules/{rule_id}/attempts/{attempt_id}/response-details", "attempt")
	opCancelDelivery       = declare("CancelDelivery", "POST /events/{event_id}/rules/{rule_id}/cancel", "delivery")
	opCancelEvent          = declare("CancelEvent", "POST /events/{event_id}/cancel", "delivery")

	// Sessions
	opCreateSession  = declare("CreateSession", "POST /sessions", "session", bodyID("workspace", "workspace_id"))
	opListSessions   = declare("ListSessions", "GET /sessions", "session", queryID("workspace", "workspace_id"))
	opRefreshSession = declare("RefreshSession", "POST /sessions/{session_id}/refresh", "session")
	opRevokeSession  = declare("RevokeSession", "DELETE /sessions/{session_id}", "session")
)

// operations holds every declared operation, in declaration order.
var operations []*Operation

// Operations returns every operation the client performs, sorted by path
// then method. The returned descriptors are copies.
func Operations() []Operation {
	out := make([]Operation, len(operations))
	for i, o := range operations {
		out[i] = *o
		out[i].IDs = slices.Clone(o.IDs)
	}
	slices.SortFunc(out, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

// LookupOperation returns the operation a Client method performs.
func LookupOperation(name string) (Operation, bool) {
	for _, o := range operations {
		if o.Name == name {
			return *o, true
		}
	}
	return Operation{}, false
}

func bodyID(kind, field string) IDRef  { return IDRef{Kind: kind, Field: field, In: InBody} }
func queryID(kind, field string) IDRef { return IDRef{Kind: kind, Field: field, In: InQuery} }

func declareIngest(name, route, kind string, ids ...IDRef) *Operation {
	op := declare(name, route, kind, ids...)
	op.Ingest = true
	return op
}

// declare adds an operation to the table. route is "METHOD /path"; the path
// parameters become the first IDs. A malformed entry panics, which any test
// run catches.
func declare(name, route, kind string, ids ...IDRef) *Operation {
	method, path, ok := strings.Cut(route, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		panic("meshesapi: operation " + name + " has a malformed route " + route)
	}
	op := &Operation{Name: name, Method: method, Path: path, Kind: kind}
	for _, seg := range strings.Split(path, "/") {
		if param, ok := strings.CutPrefix(seg, "{"); ok {
			param = strings.TrimSuffix(param, "}")
			p, known := pathParams[param]
			if !known {
				panic("meshesapi: operation " + name + " uses an undeclared path parameter " + param)
			}
			op.IDs = append(op.IDs, IDRef{Kind: p.kind, Field: param, In: InPath})
		}
	}
	op.IDs = append(op.IDs, ids...)
	operations = append(operations, op)
	return op
}

// pathIDs counts the operation's path parameters.
func (o *Operation) pathIDs() int {
	n := 0
	for _, id := range o.IDs {
		if id.In == InPath {
			n++
		}
	}
	return n
}

// buildPath fills the operation's path template with ids (one per path
// parameter, in order), each validated against its parameter's rule and
// escaped, so that nothing user-supplied is ever spliced raw into a URL: an
// id such as "../connections" or "%2e%2e" fails before a request is built.
func (o *Operation) buildPath(ids []string) (string, error) {
	if len(ids) < o.pathIDs() {
		panic(fmt.Sprintf("meshesapi: %s given %d ids for %d path parameters", o.Name, len(ids), o.pathIDs()))
	}
	var b strings.Builder
	i := 0
	for _, seg := range strings.Split(strings.TrimPrefix(o.Path, "/"), "/") {
		b.WriteByte('/')
		param, ok := strings.CutPrefix(seg, "{")
		if !ok {
			b.WriteString(seg)
			continue
		}
		param = strings.TrimSuffix(param, "}")
		v, rule := ids[i], pathParams[param]
		i++
		if v == "" {
			return "", &ValidationError{Field: param, Rule: "is required"}
		}
		if !rule.ok(v) {
			return "", &ValidationError{Field: param, Rule: rule.rule}
		}
		b.WriteString(url.PathEscape(v))
	}
	return b.String(), nil
}

// ObjectRef is one id a request named, with its place in the operation.
type ObjectRef struct {
	IDRef
	ID string
}

// Objects pairs the operation's IDs with the values a call gave them, in
// order; ids the call did not know (a bulk request's many workspaces) are
// left out.
func (o Operation) Objects(ids ...string) []ObjectRef {
	var refs []ObjectRef
	for i, ref := range o.IDs {
		if i < len(ids) && ids[i] != "" {
			refs = append(refs, ObjectRef{IDRef: ref, ID: ids[i]})
		}
	}
	return refs
}
