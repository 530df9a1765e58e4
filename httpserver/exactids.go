package httpserver

import (
	"bytes"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// exactIDs keeps JSON-RPC ids exact across mcp-go on an HTTP endpoint (see
// internal/rpcid): a posted request whose id mcp-go would alter goes on
// with a placeholder, and a message nested deeper than encoding/json reads
// is answered here, with its id and status deepStatus (200 on streamable
// HTTP, where the answer is the response; 400 on SSE, whose answers
// otherwise travel on the stream). Responses are restored by
// restoreIDs on whichever writer carries them.
//
// With a stash, the arguments of a tools/call are lifted into it (see
// internal/argstash), so that mcp-go does not decode them into a map the
// tools never read, and let go once the request is answered: only the
// streamable HTTP transport answers a call within its POST, so only it
// passes a stash; SSE answers on the stream after the POST has returned.
// Both jobs share one reading of the body: it is validated once, and its
// envelope read once.
func exactIDs(ids *rpcid.Swapper, deepStatus int, stash *argstash.Stash, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := requestBody(r)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		var out, echoed []byte
		method := ""
		trimmed := bytes.TrimSpace(body)
		object := len(trimmed) > 0 && trimmed[0] == '{'
		if object {
			out, echoed, method = ids.Inbound(trimmed)
		}
		// Inbound validates a message; only one it finds no method in
		// (invalid JSON, a response) or a batch can be too deep.
		if method == "" && rpcid.TooDeep(body) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(deepStatus)
			_, _ = w.Write(rpcid.ErrorResponse(rpcid.ScanID(body), mcp.INVALID_REQUEST, rpcid.TooDeepMessage))
			return
		}
		if stash != nil && method == string(mcp.MethodToolsCall) && echoed != nil {
			lifted, token, ok := stash.Lift(out)
			if ok {
				defer stash.Drop(token)
				out = lifted
			}
		}
		if object && !bytes.Equal(out, trimmed) {
			r.Body = &bufferedBody{Reader: bytes.NewReader(out), data: out}
			r.ContentLength = int64(len(out))
		}
		next.ServeHTTP(w, r)
	})
}

// restoreIDs puts the client's ids back into every response written through
// it (plain JSON or server-sent events).
func restoreIDs(ids *rpcid.Swapper, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&idWriter{ResponseWriter: w, ids: ids}, r)
	})
}

type idWriter struct {
	http.ResponseWriter
	ids *rpcid.Swapper
}

// Write restores ids; mcp-go writes each message (or event) in one call.
// The byte count reported is that of p, as the caller expects.
func (w *idWriter) Write(p []byte) (int, error) {
	if _, err := w.ResponseWriter.Write(w.ids.RestoreIn(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush passes through: mcp-go type-asserts http.Flusher to stream events.
func (w *idWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *idWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
