package httpserver

import (
	"net/http"
	"strconv"
	"strings"

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
			r = r.WithContext(tools.WithPolicy(r.Context(), policy))
		}
		next.ServeHTTP(w, r)
	})
}

// badHeader is a client error in a narrowing header.
type badHeader struct{ header, msg string }

func (e badHeader) Error() string { return "Bad Request: header " + e.header + " " + e.msg }

// parsePolicy reads the narrowing headers; present is false when none was
// sent. Repeated header lines are combined as one list.
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
	if v, ok := listHeader(h, HeaderToolsets); ok {
		present = true
		if strings.TrimSpace(v) == "" {
			return p, true, badHeader{HeaderToolsets, "is empty; name toolsets, or omit the header to keep the server's"}
		}
		if p.Toolsets, err = tools.ParseToolsets(v); err != nil {
			return p, true, badHeader{HeaderToolsets, "is invalid: " + err.Error()}
		}
	}
	if v, ok := listHeader(h, HeaderWorkspaces); ok {
		present = true
		if strings.TrimSpace(v) == "" {
			return p, true, badHeader{HeaderWorkspaces, "is empty; name workspace ids, or omit the header to keep the server's"}
		}
		if p.Workspaces, err = tools.ParseWorkspaces(v); err != nil {
			return p, true, badHeader{HeaderWorkspaces, "is invalid: " + err.Error()}
		}
	}
	return p, present, nil
}

// listHeader joins every line of a comma-separated header.
func listHeader(h http.Header, name string) (string, bool) {
	vs := h.Values(name)
	return strings.Join(vs, ","), len(vs) > 0
}
