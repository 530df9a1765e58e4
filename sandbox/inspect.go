package sandbox

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Accessors for tests and for the entry points that print setup hints.
// They read the state directly, bypassing HTTP and auth.

// Stats is a point-in-time summary of the sandbox.
type Stats struct {
	Workspaces  int
	Connections int
	Rules       int
	Events      int
	Deliveries  int
	// InFlight counts deliveries that have not reached a terminal status.
	InFlight int
}

// Stats summarises the sandbox.
func (s *Server) Stats() Stats {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	st := Stats{Workspaces: len(s.db.workspaces), Connections: len(s.db.connections), Rules: len(s.db.rules),
		Events: len(s.db.events), Deliveries: len(s.db.ruleEvents)}
	for _, re := range s.db.ruleEvents {
		if !terminal(re.Status) {
			st.InFlight++
		}
	}
	return st
}

// WorkspaceInfo identifies a workspace and its publishable key.
type WorkspaceInfo struct {
	ID             string
	Name           string
	PublishableKey string
}

// Workspaces lists every workspace, oldest first (seeded ones first).
func (s *Server) Workspaces() []WorkspaceInfo {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	list := values(s.db.workspaces, func(*workspace) bool { return true })
	slices.SortFunc(list, func(a, b *workspace) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]WorkspaceInfo, len(list))
	for i, ws := range list {
		out[i] = WorkspaceInfo{ID: ws.ID, Name: ws.Name, PublishableKey: ws.pubKey}
	}
	return out
}

// PublishableKey returns the publishable key of a workspace.
func (s *Server) PublishableKey(workspaceID string) (string, bool) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ws := s.db.workspaces[strings.ToLower(workspaceID)]
	if ws == nil {
		return "", false
	}
	return ws.pubKey, true
}

// WaitIdle blocks until no delivery is pending, processing or retrying, or
// ctx ends. End-to-end tests use it instead of sleeping.
func (s *Server) WaitIdle(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for s.Stats().InFlight > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
