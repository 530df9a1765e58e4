package httpserver

import (
	"encoding/json"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// MessageRefuser answers a JSON-RPC message that must not reach mcp-go with
// the error response to send instead; ok false passes the message on. It
// exists because mcp-go answers every prompt handler error with -32603
// (internal error), while a prompts/get with missing or invalid arguments
// is the client's error, -32602 (tools.Catalog.RefusePrompt).
type MessageRefuser func(message []byte) (refusal mcp.JSONRPCError, ok bool)

// refusing puts the refuser in front of next: a refused message is answered
// by answer, which reports whether it could; anything else goes on to next.
func (s *Server) refusing(next http.Handler, answer func(http.ResponseWriter, *http.Request, mcp.JSONRPCError) bool) http.Handler {
	if s.cfg.RefuseMessage == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := refusalBody(w, r)
		if !ok {
			return
		}
		if refusal, refused := s.cfg.RefuseMessage(body); refused && answer(w, r, refusal) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// answerInBody answers on the streamable HTTP transport: the response to a
// POST is the JSON-RPC error itself. The body was already capped by guard.
func answerInBody(w http.ResponseWriter, _ *http.Request, refusal mcp.JSONRPCError) bool {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(refusal)
	return true
}

// answerOnStream answers on the SSE transport, where responses travel on
// the client's event stream and the POST is only acknowledged. A session
// mcp-go does not know is left to mcp-go to report.
func answerOnStream(sse *server.SSEServer) func(http.ResponseWriter, *http.Request, mcp.JSONRPCError) bool {
	return func(w http.ResponseWriter, r *http.Request, refusal mcp.JSONRPCError) bool {
		if sse.SendEventToSession(r.URL.Query().Get("sessionId"), refusal) != nil {
			return false
		}
		w.WriteHeader(http.StatusAccepted)
		return true
	}
}

// refusalBody returns a POST's body, left in place for the next handler
// (see requestBody: behind guard, the buffer limitBody already read).
// Other methods pass with no body to check.
func refusalBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		return nil, true
	}
	body, err := requestBody(r)
	if err != nil {
		http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}
