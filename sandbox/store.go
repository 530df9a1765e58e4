package sandbox

import (
	"sync"
)

// store is the whole in-memory state behind one mutex. One lock is enough
// for a sandbox (every operation is a few map lookups) and makes each
// handler's check-then-write atomic without lock-ordering puzzles.
type store struct {
	mu  sync.Mutex
	seq int64

	workspaces  map[string]*workspace
	pubKeys     map[string]string // publishable key → workspace id
	connections map[string]*connection
	rules       map[string]*rule
	events      map[string]*event
	ruleEvents  map[string]*ruleEvent
	sessions    map[string]*session
	mappings    map[string]*mapping      // by connection id; stored mappings only
	fieldSets   map[string]*fieldCatalog // by connection id; created on first read
}

func newStore() *store {
	return &store{
		workspaces:  map[string]*workspace{},
		pubKeys:     map[string]string{},
		connections: map[string]*connection{},
		rules:       map[string]*rule{},
		events:      map[string]*event{},
		ruleEvents:  map[string]*ruleEvent{},
		sessions:    map[string]*session{},
		mappings:    map[string]*mapping{},
		fieldSets:   map[string]*fieldCatalog{},
	}
}

// nextSeq orders records by creation; lists sort on it. Caller holds mu.
func (st *store) nextSeq() int64 {
	st.seq++
	return st.seq
}

// workspaceIn returns the workspace if it exists in org. Caller holds mu.
func (st *store) workspaceIn(org, id string) (*workspace, *apiError) {
	ws := st.workspaces[id]
	if ws == nil || ws.orgID != org {
		return nil, notFound("Workspace")
	}
	return ws, nil
}

// connectionIn returns the connection if its workspace is in org.
func (st *store) connectionIn(org, id string) (*connection, *apiError) {
	c := st.connections[id]
	if c == nil || st.workspaces[c.Workspace].orgID != org {
		return nil, notFound("Connection")
	}
	return c, nil
}

func (st *store) ruleIn(org, id string) (*rule, *apiError) {
	r := st.rules[id]
	if r == nil || st.workspaces[r.Workspace].orgID != org {
		return nil, notFound("Rule")
	}
	return r, nil
}

func (st *store) eventIn(org, id string) (*event, *apiError) {
	e := st.events[id]
	if e == nil || st.workspaces[e.Workspace].orgID != org {
		return nil, notFound("Event")
	}
	return e, nil
}

// values returns a map's values as a slice for sorting and paging.
func values[K comparable, V any](m map[K]V, keep func(V) bool) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}
