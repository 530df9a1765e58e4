package tools

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Workspace confinement (--workspaces) is declared per tool, on its spec,
// and enforced once, by the adapter, before the handler runs:
//
//   - inWorkspace(field): the argument names a workspace. One outside the
//     allowlist is refused outright: the agent chose it. When the argument is
//     optional and left empty, the call is organisation-wide and the handler
//     filters what it returns with visible.
//   - emitsTo(field): the workspace an event is sent to. Given, it is checked
//     like inWorkspace; left empty, the publishable key implies a workspace
//     the allowlist cannot check, so that is refused while confined.
//   - onObject(kind, field): the argument is the id of an object (event,
//     connection, rule, session) whose workspace is looked up, only while an
//     allowlist is in force. An object outside it is reported as not found,
//     exactly as if it did not exist, so the allowlist cannot be probed.
//   - orgWide(): an organisation-wide list; the handler filters each record
//     with visible.
//   - noWorkspace(): touches no workspace's data (the integration catalog).
//   - createsWorkspace(): creating a workspace escapes any allowlist, so the
//     tool is disabled while one is in force.
//
// A field may reach into a list, "events[].workspace_id": every element's
// value is checked. A tool may declare several (create_rule names a
// workspace and a connection); New fails for a tool that declares none, or
// whose declaration names an argument its input does not have.
//
// Objects a handler reaches later, by an id found in data rather than in its
// arguments (the rules and connections of an event's deliveries), are read
// through c.connection, c.rule, c.event and c.session (lookups.go), which
// apply the same rule; the raw client cannot read them (see meshesCalls).

// scopeHow is the kind of a scope declaration.
type scopeHow int

const (
	scopeWorkspaceArg scopeHow = iota + 1
	scopeEmitsTo
	scopeObjectArg
	scopeOrgWide
	scopeNoWorkspace
	scopeCreatesWorkspace
)

// objectKind is a kind of Meshes object that belongs to one workspace and is
// named by its own id.
type objectKind int

const (
	objEvent objectKind = iota + 1
	objConnection
	objRule
	objSession
	// objWorkspace is a workspace named as the object to read
	// (get_workspace): outside the allowlist it is not found, like the
	// other objects, rather than refused like a workspace argument.
	objWorkspace
)

func (k objectKind) String() string {
	switch k {
	case objEvent:
		return "event"
	case objConnection:
		return "connection"
	case objRule:
		return "rule"
	case objSession:
		return "session"
	case objWorkspace:
		return "workspace"
	}
	return "object(" + strconv.Itoa(int(k)) + ")"
}

// scopeDecl is one scope declaration of a spec.
type scopeDecl struct {
	how   scopeHow
	kind  objectKind
	field string
	// withPayload, on an event declaration, says from the decoded
	// arguments whether the handler reads the event with its payload; the
	// lookup then reads that variant, which names the event's workspace as
	// well, so the handler's read is the lookup's and costs no round trip.
	withPayload func(args any) bool
}

func (s spec) declare(d scopeDecl) spec {
	s.scope = append(slices.Clip(s.scope), d)
	return s
}

// inWorkspace declares that field names a workspace (see the top of this file).
func (s spec) inWorkspace(field string) spec {
	return s.declare(scopeDecl{how: scopeWorkspaceArg, field: field})
}

// emitsTo declares that field is the workspace an event is sent to.
func (s spec) emitsTo(field string) spec {
	return s.declare(scopeDecl{how: scopeEmitsTo, field: field})
}

// onObject declares that field is the id of an object of the given kind.
func (s spec) onObject(kind objectKind, field string) spec {
	return s.declare(scopeDecl{how: scopeObjectArg, kind: kind, field: field})
}

// readingPayloadWhen qualifies the spec's last declaration, which must be
// onObject(objEvent, ...) (New checks): whether the handler will read the
// event with its payload, given the arguments.
func (s spec) readingPayloadWhen(payload func(args any) bool) spec {
	if len(s.scope) == 0 {
		return s.declare(scopeDecl{withPayload: payload})
	}
	s.scope = slices.Clone(s.scope)
	s.scope[len(s.scope)-1].withPayload = payload
	return s
}

// orgWide declares an organisation-wide list whose handler filters records
// with visible.
func (s spec) orgWide() spec { return s.declare(scopeDecl{how: scopeOrgWide}) }

// noWorkspace declares a tool that touches no workspace's data.
func (s spec) noWorkspace() spec { return s.declare(scopeDecl{how: scopeNoWorkspace}) }

// createsWorkspace declares a tool that creates workspaces; it is disabled
// while a workspace allowlist is in force.
func (s spec) createsWorkspace() spec { return s.declare(scopeDecl{how: scopeCreatesWorkspace}) }

// scopeCheck is a declaration resolved against the tool's input struct.
type scopeCheck struct {
	scopeDecl
	arg *argPath // nil for declarations without a field
}

// declares reports whether t has a declaration of that kind.
func (t *Tool) declares(how scopeHow) bool {
	return slices.ContainsFunc(t.scope, func(sc scopeCheck) bool { return sc.how == how })
}

// resolveScope checks a tool's declarations and locates their arguments in
// its input struct, once, when the tool is built.
func resolveScope(in reflect.Type, decls []scopeDecl) ([]scopeCheck, error) {
	if len(decls) == 0 {
		return nil, errors.New("declares no workspace scope: add inWorkspace, emitsTo, onObject, orgWide, noWorkspace or createsWorkspace to its spec (see tools/scope.go)")
	}
	var checks []scopeCheck
	for _, d := range decls {
		if d.withPayload != nil && (d.how != scopeObjectArg || d.kind != objEvent) {
			return nil, errors.New("readingPayloadWhen qualifies only an onObject(objEvent, ...) declaration")
		}
		switch d.how {
		case scopeOrgWide, scopeNoWorkspace, scopeCreatesWorkspace:
			if len(decls) > 1 {
				return nil, errors.New("orgWide, noWorkspace and createsWorkspace each describe the whole call and cannot be combined with another scope declaration")
			}
			checks = append(checks, scopeCheck{scopeDecl: d})
			continue
		case scopeObjectArg:
			if d.kind < objEvent || d.kind > objWorkspace {
				return nil, fmt.Errorf("onObject(%s, %q): unknown object kind", d.kind, d.field)
			}
		}
		arg, err := resolveArg(in, d.field)
		if err != nil {
			return nil, fmt.Errorf("scope declaration on %q: %w", d.field, err)
		}
		checks = append(checks, scopeCheck{scopeDecl: d, arg: arg})
	}
	return checks, nil
}

// argPath locates one declared string argument in an input struct: a field
// (through embedded structs, as encoding/json sees them), or with each set,
// a field of every element of a list.
type argPath struct {
	name  string
	index []int
	each  *argPath
}

// resolveArg finds the JSON path ("workspace_id", "events[].workspace_id")
// in t.
func resolveArg(t reflect.Type, path string) (*argPath, error) {
	head, rest, isList := strings.Cut(path, "[].")
	f, ok := jsonField(t, head)
	if !ok {
		return nil, fmt.Errorf("%s has no argument %q", t, head)
	}
	if !isList {
		if f.Type.Kind() != reflect.String {
			return nil, fmt.Errorf("argument %q is a %s, not a string", head, f.Type)
		}
		return &argPath{name: head, index: f.Index}, nil
	}
	if f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("argument %q is a %s, not a list of objects", head, f.Type)
	}
	each, err := resolveArg(f.Type.Elem(), rest)
	if err != nil {
		return nil, err
	}
	return &argPath{name: head, index: f.Index, each: each}, nil
}

// jsonField finds the field encoding/json decodes the named member into.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	f, ok := jsonFields(t)[name]
	return f, ok
}

// all yields every value of the argument in v with its position: the
// index in each list on the way, empty for a plain argument. The position
// is reused from one value to the next, and spelled out (nameAt) only when
// an error reports it, so that checking the 10,000 events of a bulk call
// builds no names.
func (p *argPath) all(v reflect.Value) iter.Seq2[string, []int] {
	return func(yield func(string, []int) bool) {
		p.walk(v, make([]int, 0, 4), yield)
	}
}

func (p *argPath) walk(v reflect.Value, at []int, yield func(string, []int) bool) bool {
	f := v.FieldByIndex(p.index)
	if p.each == nil {
		return yield(f.String(), at)
	}
	for i := range f.Len() {
		if !p.each.walk(f.Index(i), append(at, i), yield) {
			return false
		}
	}
	return true
}

// nameAt spells the argument at position at as an error reports it
// ("events[2].workspace_id").
func (p *argPath) nameAt(at []int) string {
	var b strings.Builder
	for q := p; q != nil; q = q.each {
		b.WriteString(q.name)
		if q.each != nil {
			b.WriteString("[" + strconv.Itoa(at[0]) + "].")
			at = at[1:]
		}
	}
	return b.String()
}

// enforceScope applies a tool's declarations to the decoded arguments (a
// pointer to its input struct) before its handler runs. Workspace arguments
// are checked first, without a request; objects are then looked up, only
// while an allowlist is in force.
func (c *Catalog) enforceScope(ctx context.Context, t *Tool, args any) error {
	in := reflect.ValueOf(args).Elem()
	var objects []scopeCheck
	for _, sc := range t.scope {
		switch sc.how {
		case scopeObjectArg:
			objects = append(objects, sc)
		case scopeWorkspaceArg:
			for value := range sc.arg.all(in) {
				if value != "" {
					if err := checkWorkspace(ctx, value); err != nil {
						return err
					}
				}
			}
		case scopeEmitsTo:
			for value, at := range sc.arg.all(in) {
				if value == "" {
					if rule := c.missingEventWorkspace(ctx); rule != "" {
						return &schemas.FieldError{Field: sc.arg.nameAt(at), Rule: rule}
					}
				} else if err := checkWorkspace(ctx, value); err != nil {
					return err
				}
			}
		}
	}
	if !confined(ctx) {
		return nil
	}
	// The objects' lookups are independent (an event and a rule of
	// retry_delivery): one round trip for all of them, reporting the first
	// declared object that is out of bounds.
	var lookups []func(context.Context) error
	seen := map[lookupKey]bool{}
	for _, sc := range objects {
		for value := range sc.arg.all(in) {
			key := lookupKey{kind: sc.kind, id: value}
			if value == "" || seen[key] {
				continue
			}
			seen[key] = true
			if sc.withPayload != nil && sc.withPayload(args) {
				lookups = append(lookups, func(ctx context.Context) error { _, err := c.event(ctx, value, true); return err })
				continue
			}
			lookups = append(lookups, func(ctx context.Context) error { return c.lookup(ctx, sc.kind, value) })
		}
	}
	return inOneWave(ctx, c.log, c.limits.ReadFanout, lookups...)
}

// missingEventWorkspace is the rule an event to emit breaks by naming no
// workspace, "" when it may: only a publishable key implies one, and not
// while the server is confined to some workspaces.
func (c *Catalog) missingEventWorkspace(ctx context.Context) string {
	switch {
	case !c.opts.PublishableKey:
		return "is required (no publishable key is configured to imply it)"
	case confined(ctx):
		return "is required while the server is confined to some workspaces"
	}
	return ""
}

// checkWorkspace refuses a workspace the policy does not allow.
func checkWorkspace(ctx context.Context, id string) error {
	pol := policyOf(ctx)
	if pol.AllowsWorkspace(id) {
		return nil
	}
	allowed := "none"
	if len(pol.Workspaces) > 0 {
		allowed = strings.Join(pol.Workspaces, ", ")
	}
	return &refusedError{msg: "workspace " + id + " is outside the workspaces this server may use (allowed: " + allowed + "); use one of those"}
}

// visible reports whether an object of workspace id may be shown.
func visible(ctx context.Context, workspaceID string) bool {
	return policyOf(ctx).AllowsWorkspace(workspaceID)
}

// confined reports whether objects fetched by id must be checked first.
func confined(ctx context.Context) bool { return policyOf(ctx).ConfinedToWorkspaces() }
