package tools

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// meshesCalls is the Meshes client as handlers call it: every operation
// except the reads of one workspace-scoped object by its id, which would
// return another tenant's object as readily as an allowed one. Those go
// through the scoped reads below, so that a handler cannot skip the
// allowlist by accident. Add a client method here when a handler needs it;
// a new read of one scoped object by id gets a scoped read instead.
type meshesCalls interface {
	MaxRequestBytes() int64

	ListWorkspaces(context.Context, meshesapi.Page) (*meshesapi.List[meshesapi.Workspace], error)
	GetWorkspace(context.Context, string) (*meshesapi.Workspace, error)
	CreateWorkspace(context.Context, meshesapi.CreateWorkspaceRequest) (*meshesapi.Workspace, error)
	UpdateWorkspace(context.Context, string, meshesapi.UpdateWorkspaceRequest) (*meshesapi.Workspace, error)
	ListEventTypes(context.Context, string) ([]meshesapi.CatalogEntry, error)
	ListResources(context.Context, string) ([]meshesapi.CatalogEntry, error)

	ListConnections(context.Context, meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error)
	ListWorkspaceConnections(context.Context, string, meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error)
	CreateConnection(context.Context, meshesapi.CreateConnectionRequest) (*meshesapi.Connection, error)
	UpdateConnection(context.Context, string, meshesapi.UpdateConnectionRequest) (*meshesapi.Connection, error)
	DeleteConnection(context.Context, string, bool) (*meshesapi.DeletedConnection, error)
	GetConnectionActions(context.Context, string) (json.RawMessage, error)
	GetConnectionFields(context.Context, string, bool) (*meshesapi.FieldCatalog, error)
	GetDefaultMapping(context.Context, string) (*meshesapi.MappingResponse, error)
	PutDefaultMapping(context.Context, string, meshesapi.PutMappingRequest) (*meshesapi.MappingResponse, error)
	ListIntegrations(context.Context, meshesapi.Page) (*meshesapi.List[meshesapi.Integration], error)

	ListRules(context.Context, meshesapi.RuleFilter) (*meshesapi.List[meshesapi.Rule], error)
	ListWorkspaceRules(context.Context, string, meshesapi.RuleFilter) (*meshesapi.List[meshesapi.Rule], error)
	CreateRule(context.Context, meshesapi.CreateRuleRequest) (*meshesapi.Rule, error)
	DeleteRule(context.Context, string) (*meshesapi.DeletedRule, error)

	SendEvent(context.Context, meshesapi.EventInput) (*meshesapi.EventReceipt, error)
	SendEvents(context.Context, []meshesapi.EventInput) (*meshesapi.BulkResult, error)
	ListEvents(context.Context, meshesapi.Page) (*meshesapi.List[meshesapi.Event], error)
	ListWorkspaceEvents(context.Context, string, meshesapi.EventQuery) (*meshesapi.List[meshesapi.Event], error)
	RetryDelivery(context.Context, string, string) (*meshesapi.RuleEvent, error)
	// The delivery endpoints address an event's data by the event's id;
	// tools reach them only for an event already read through c.event or
	// declared with onObject.
	ListDeliveryAttempts(context.Context, string, string, meshesapi.Page) (*meshesapi.List[meshesapi.DeliveryAttempt], error)
	GetAttemptResponse(context.Context, string, string, string) (*meshesapi.AttemptResponse, error)
	CancelDelivery(context.Context, string, string) (*meshesapi.RuleEvent, error)
	CancelEvent(context.Context, string) (*meshesapi.Event, error)

	CreateSession(context.Context, meshesapi.CreateSessionRequest) (*meshesapi.Session, error)
	ListSessions(context.Context, meshesapi.SessionQuery) (*meshesapi.List[meshesapi.SessionRecord], error)
	RefreshSession(context.Context, string) (*meshesapi.RefreshedSession, error)
	RevokeSession(context.Context, string) (*meshesapi.RevokeResult, error)
}

// objectReads are the client's reads of one scoped object by id; only the
// scoped reads below use them.
type objectReads interface {
	GetConnection(context.Context, string) (*meshesapi.Connection, error)
	GetRule(context.Context, string) (*meshesapi.Rule, error)
	GetEvent(context.Context, string) (*meshesapi.Event, error)
	GetEventPayload(context.Context, string) (*meshesapi.Event, error)
	ListSessions(context.Context, meshesapi.SessionQuery) (*meshesapi.List[meshesapi.SessionRecord], error)
}

// lookup establishes that an object named by a declared argument may be
// used (enforceScope).
func (c *Catalog) lookup(ctx context.Context, kind objectKind, id string) error {
	var err error
	switch kind {
	case objEvent:
		_, err = c.event(ctx, id, false)
	case objConnection:
		_, err = c.connection(ctx, id)
	case objRule:
		_, err = c.rule(ctx, id)
	case objSession:
		err = c.session(ctx, id)
	case objWorkspace:
		if !visible(ctx, id) {
			err = notFound("workspace", id)
		}
	}
	return err
}

// connection fetches a connection the agent may see.
func (c *Catalog) connection(ctx context.Context, id string) (*meshesapi.Connection, error) {
	conn, err := scopedRead(ctx, objConnection, id, "", c.objects.GetConnection, func(o *meshesapi.Connection) string { return o.Workspace })
	if err == nil {
		rememberSecrets(conn.ID, conn.Metadata)
	}
	return conn, err
}

// rule fetches a rule the agent may see.
func (c *Catalog) rule(ctx context.Context, id string) (*meshesapi.Rule, error) {
	return scopedRead(ctx, objRule, id, "", c.objects.GetRule, func(o *meshesapi.Rule) string { return o.Workspace })
}

// event fetches an event (with its deliveries, and with payload its
// payload) the agent may see.
func (c *Catalog) event(ctx context.Context, id string, payload bool) (*meshesapi.Event, error) {
	get, variant := c.objects.GetEvent, ""
	if payload {
		get, variant = c.objects.GetEventPayload, "payload"
	}
	return scopedRead(ctx, objEvent, id, variant, get, func(o *meshesapi.Event) string { return o.Workspace })
}

// session checks, when confined, that the session belongs to an allowed
// workspace. Meshes has no "get session", so it is searched among the
// allowed workspaces' sessions; refreshing or revoking another tenant's
// session must be impossible.
func (c *Catalog) session(ctx context.Context, id string) error {
	pol := policyOf(ctx)
	if !pol.ConfinedToWorkspaces() {
		return nil
	}
	cache := lookupsOf(ctx)
	key := lookupKey{kind: objSession, id: id}
	if _, ok := cache.get(key); ok {
		return nil
	}
	// The workspaces are searched together, and the answer is the one a
	// search in allowlist order gives: the first workspace that fails or
	// holds the session decides.
	found := make([]bool, len(pol.Workspaces))
	errs := make([]error, len(pol.Workspaces))
	searches := make([]func(context.Context) error, len(pol.Workspaces))
	for i, ws := range pol.Workspaces {
		searches[i] = func(ctx context.Context) error {
			records, _, err := meshesapi.Collect(ctx, meshesapi.Page{Limit: 200}, meshesapi.DefaultMaxPages,
				func(ctx context.Context, p meshesapi.Page) (*meshesapi.List[meshesapi.SessionRecord], error) {
					return c.objects.ListSessions(ctx, meshesapi.SessionQuery{Page: p, WorkspaceID: ws})
				})
			errs[i] = err
			found[i] = slices.ContainsFunc(records, func(r meshesapi.SessionRecord) bool { return r.SessionID == id })
			return nil
		}
	}
	if err := inOneWave(ctx, c.log, c.limits.ReadFanout, searches...); err != nil {
		return err
	}
	for i := range pol.Workspaces {
		switch {
		case errs[i] != nil:
			return errs[i]
		case found[i]:
			cache.put(key, struct{}{})
			return nil
		}
	}
	return notFound("session", id)
}

// scopedRead fetches one object and reports it as not found when it lies
// outside the allowlist. Within a call each object is read once: the
// adapter's check and the handler's use share the same read.
// variant tells apart reads of one object that return different fields (an
// event with or without its payload).
func scopedRead[T any](ctx context.Context, kind objectKind, id, variant string, fetch func(context.Context, string) (*T, error), workspace func(*T) string) (*T, error) {
	cache := lookupsOf(ctx)
	key := lookupKey{kind, id, variant}
	if obj, ok := cache.get(key); ok {
		return obj.(*T), nil
	}
	obj, err := fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(ctx, workspace(obj)) {
		return nil, notFound(kind.String(), id)
	}
	cache.put(key, obj)
	return obj, nil
}

// isNotFound reports an object that does not exist or is hidden by the
// allowlist; both read the same to the agent.
func isNotFound(err error) bool {
	var hidden *notFoundError
	return meshesapi.IsNotFound(err) || errors.As(err, &hidden)
}

// lookups remembers the objects one call has read and found visible. A nil
// *lookups (outside a call) remembers nothing.
type lookups struct {
	mu    sync.Mutex
	found map[lookupKey]any
}

type lookupKey struct {
	kind        objectKind
	id, variant string
}

type lookupsKey struct{}

func withLookups(ctx context.Context) context.Context {
	return context.WithValue(ctx, lookupsKey{}, &lookups{found: map[lookupKey]any{}})
}

func lookupsOf(ctx context.Context) *lookups {
	l, _ := ctx.Value(lookupsKey{}).(*lookups)
	return l
}

func (l *lookups) get(key lookupKey) (any, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	obj, ok := l.found[key]
	return obj, ok
}

// forget drops what a call remembers of an object it has just changed, so
// that reading it again fetches it as it is now.
func (l *lookups) forget(kind objectKind, id string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for key := range l.found {
		if key.kind == kind && key.id == id {
			delete(l.found, key)
		}
	}
}

func (l *lookups) put(key lookupKey, obj any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.found[key] = obj
}
