package httpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Observer counts what the HTTP layer refuses, for an operator's metrics.
type Observer interface {
	// Rejected is told the reason of every refused MCP request: one of the
	// fixed words of rejectionReason.
	Rejected(reason string)
}

type callerKey struct{}

func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerOf(ctx context.Context) (caller, bool) {
	c, ok := ctx.Value(callerKey{}).(caller)
	return c, ok
}

// requestIDPattern admits a client's X-Request-Id only when it is a short
// token that is safe to log and to send on as a header.
var requestIDPattern = lazyregexp.New(`^[A-Za-z0-9._:-]{1,64}$`)

// HeaderRequestID carries a request's id: taken from the client when it
// sends a usable one, else made up; echoed in the response and sent to
// Meshes with every request the call makes.
const HeaderRequestID = "X-Request-Id"

// observe is the outermost layer of every MCP endpoint: it gives the
// request an id, logs one line when it is done, and counts refusals.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		r = r.WithContext(meshesapi.WithRequestID(r.Context(), id))
		rec := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelDebug
		if status >= 400 {
			level = slog.LevelInfo
			if reason := rejectionReason(status, rec.Header().Get("WWW-Authenticate")); reason != "" && s.cfg.Observer != nil {
				s.cfg.Observer.Rejected(reason)
			}
		}
		s.cfg.Logger.Log(r.Context(), level, "http request", "request_id", id, "method", r.Method,
			"path", r.URL.Path, "status", status, "duration", time.Since(start))
	})
}

// rejectionReason names why the guards refused a request, from the status
// and challenge they answered with; "" for statuses that are no refusal.
func rejectionReason(status int, challenge string) string {
	switch status {
	case http.StatusUnauthorized:
		if strings.Contains(challenge, "invalid_token") {
			return "invalid_token"
		}
		return "missing_token"
	case http.StatusForbidden:
		if strings.Contains(challenge, "insufficient_scope") {
			return "insufficient_scope"
		}
		return "origin"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusBadRequest:
		return "bad_request"
	}
	return ""
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// gateCalls applies the per-caller checks that depend on what a request
// asks for: a tools/call of a write tool needs the write scope (403
// insufficient_scope, so an OAuth client can ask for it), and every
// tools/call spends one token of the caller's rate-limit bucket (429 with
// Retry-After when it is empty). Other methods pass: they cost Meshes
// nothing.
func (s *Server) gateCalls(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, known := callerOf(r.Context())
		if r.Method != http.MethodPost || !known || (s.limiter == nil && (!c.oauth || c.canWrite)) {
			next.ServeHTTP(w, r)
			return
		}
		refuse := exposeRefusal(w, r) // for refusals only: next needs w's Flush
		body, err := requestBody(r)
		if err != nil {
			http.Error(refuse, "Bad Request: the request body could not be read", http.StatusBadRequest)
			return
		}
		calls := toolCalls(body)
		if len(calls) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if c.oauth && !c.canWrite {
			for _, name := range calls {
				if s.isWriteTool(name) {
					w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+s.auth.oauth.cfg.WriteScope+`", resource_metadata="`+s.auth.oauth.metadataURL+`", error_description="`+name+` changes data and needs the `+s.auth.oauth.cfg.WriteScope+` scope"`)
					http.Error(refuse, "Forbidden: "+name+" changes data in Meshes and the access token grants only "+s.auth.oauth.cfg.ReadScope+"; authorize again with the "+s.auth.oauth.cfg.WriteScope+" scope", http.StatusForbidden)
					return
				}
			}
		}
		if s.limiter != nil {
			if wait, ok := s.limiter.take(c.subject, len(calls)); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				http.Error(refuse, "Too Many Requests: this caller may make "+s.limiter.describe()+"; retry after "+strconv.Itoa(secs)+" s", http.StatusTooManyRequests)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isWriteTool reports whether the MCP server's tool of that name may change
// data (its annotations do not promise read-only). Unknown names are left
// to the MCP layer, which answers them.
func (s *Server) isWriteTool(name string) bool {
	t := s.mcp.GetTool(name)
	if t == nil {
		return false
	}
	ro := t.Tool.Annotations.ReadOnlyHint
	return ro == nil || !*ro
}

var toolsCallMethod = []byte(`"tools/call"`)

// toolCalls lists the tool names of the tools/call requests in a JSON-RPC
// message or batch. A body that names tools/call nowhere is none, unless it
// holds an escape: "tools\/call" is tools/call to mcp-go too.
func toolCalls(body []byte) []string {
	if !bytes.Contains(body, toolsCallMethod) && bytes.IndexByte(body, '\\') < 0 {
		return nil
	}
	type call struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var batch []call
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		if json.Unmarshal(trimmed, &batch) != nil {
			return nil
		}
	} else {
		var one call
		if json.Unmarshal(body, &one) != nil {
			return nil
		}
		batch = []call{one}
	}
	var names []string
	for _, c := range batch {
		if c.Method == "tools/call" {
			names = append(names, c.Params.Name)
		}
	}
	return names
}
