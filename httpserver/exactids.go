package httpserver

import (
	"bytes"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// exactIDs keeps JSON-RPC ids exact across mcp-go on an HTTP endpoint (see
// internal/rpcid): a posted request whose id mcp-go would alter goes on
// with a placeholder, and a message nested deeper than encoding/json reads
// is answered here, with its id and status deepStatus (200 on streamable
// HTTP, where the answer is the response; 400 on SSE, whose answers
// otherwise travel on the stream). Responses are restored by
// restoreIDs on whichever writer carries them.
func exactIDs(ids *rpcid.Swapper, deepStatus int, next http.Handler) http.Handler {
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
		if rpcid.TooDeep(body) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(deepStatus)
			_, _ = w.Write(rpcid.ErrorResponse(rpcid.ScanID(body), mcp.INVALID_REQUEST, rpcid.TooDeepMessage))
			return
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
			if out, _, _ := ids.Inbound(trimmed); !bytes.Equal(out, trimmed) {
				r.Body = &bufferedBody{Reader: bytes.NewReader(out), data: out}
				r.ContentLength = int64(len(out))
			}
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
