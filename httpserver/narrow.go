package httpserver

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The per-request narrowing headers. One shared server can serve agents with
// different needs: each request may restrict, never widen, what the server
// was started to allow (tools.WithPolicy narrows the base policy).
const (
	// HeaderReadOnly "true" hides and refuses every write tool.
	HeaderReadOnly = "X-Meshes-Read-Only"
	// HeaderToolsets "rules,events" keeps only the tools of those toolsets.
	HeaderToolsets = "X-Meshes-Toolsets"
	// HeaderWorkspaces "<uuid>,<uuid>" confines calls to those workspaces.
	// Naming a workspace outside the server's own allowlist leaves nothing
	// allowed rather than widening it.
	HeaderWorkspaces = "X-Meshes-Workspaces"
)

// narrow validates the narrowing headers and attaches the restriction they
// describe to the request context, from which mcp-go derives the context of
// every tools/list and tools/call it serves for this request (both
// transports). A header that does not parse is refused with 400 before any
// MCP processing: silently ignoring it would leave an agent with more power
// than its operator asked for.
func (s *Server) narrow(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, present, err := parsePolicy(r.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if present {
			ctx := tools.WithPolicy(r.Context(), policy)
			r = r.WithContext(context.WithValue(ctx, headerPolicyKey{}, policy))
		}
		next.ServeHTTP(w, r)
	})
}

// badHeader is a client error in a narrowing header.
type badHeader struct{ header, msg string }

func (e badHeader) Error() string { return "Bad Request: header " + e.header + " " + e.msg }

// headerPolicyKey carries the narrowing headers' policy of a request, so
// that an SSE stream can pass its own on to every message posted to it.
type headerPolicyKey struct{}

// streamPolicies remembers the narrowing headers each SSE stream was opened
// with: mcp-go serves a POST /message on the context of the post, which need
// not repeat them, yet they must bind every message of the stream.
type streamPolicies struct {
	mu sync.Mutex
	m  map[string]tools.Policy
}

// bind records the policy of the stream request r under its session ID.
func (sp *streamPolicies) bind(sessionID string, r *http.Request) {
	p, ok := r.Context().Value(headerPolicyKey{}).(tools.Policy)
	if !ok {
		return
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.m == nil {
		sp.m = map[string]tools.Policy{}
	}
	sp.m[sessionID] = p
}

func (sp *streamPolicies) forget(sessionID string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	delete(sp.m, sessionID)
}

// apply wraps the POST /message handler: the message is narrowed by its
// stream's headers as well as by its own.
func (sp *streamPolicies) apply(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sp.mu.Lock()
		p, ok := sp.m[r.URL.Query().Get("sessionId")]
		sp.mu.Unlock()
		if ok {
			r = r.WithContext(tools.WithPolicy(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// parsePolicy reads the narrowing headers; present is false when none was
// sent. Each line of a repeated header restricts on its own, so the lines
// intersect: a proxy adding a line can only narrow what a client asked.
func parsePolicy(h http.Header) (p tools.Policy, present bool, err error) {
	if vs := h.Values(HeaderReadOnly); len(vs) > 0 {
		present = true
		for _, v := range vs {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return p, true, badHeader{HeaderReadOnly, "is " + strconv.Quote(v) + "; use true or false"}
			}
			p.ReadOnly = p.ReadOnly || b // any true wins: restriction is the safe reading
		}
	}
	for _, v := range h.Values(HeaderToolsets) {
		present = true
		if strings.TrimSpace(v) == "" {
			return p, true, badHeader{HeaderToolsets, "is empty; name toolsets, or omit the header to keep the server's"}
		}
		var line tools.Policy
		if line.Toolsets, err = tools.ParseToolsets(v); err != nil {
			return p, true, badHeader{HeaderToolsets, "is invalid: " + err.Error()}
		}
		p = p.Narrow(line)
	}
	for _, v := range h.Values(HeaderWorkspaces) {
		present = true
		if strings.TrimSpace(v) == "" {
			return p, true, badHeader{HeaderWorkspaces, "is empty; name workspace ids, or omit the header to keep the server's"}
		}
		var line tools.Policy
		if line.Workspaces, err = tools.ParseWorkspaces(v); err != nil {
			return p, true, badHeader{HeaderWorkspaces, "is invalid: " + err.Error()}
		}
		p = p.Narrow(line)
	}
	return p, present, nil
}
