package httpserver

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// liftArguments lifts the arguments of a tools/call posted to the
// streamable HTTP endpoint into stash (see internal/argstash), so that
// mcp-go does not decode them into a map the tools never read, and lets
// them go once the request is answered: that transport answers a call
// within its POST. SSE answers on the stream after the POST has returned,
// so its messages are not lifted. A nil stash lifts nothing.
func liftArguments(stash *argstash.Stash, next http.Handler) http.Handler {
	if stash == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := requestBody(r)
		msg := bytes.TrimSpace(body)
		if err != nil || len(msg) == 0 || msg[0] != '{' || !json.Valid(msg) || !isToolCall(msg) {
			next.ServeHTTP(w, r)
			return
		}
		out, token, lifted := stash.Lift(msg)
		if lifted {
			defer stash.Drop(token)
			r.Body = &bufferedBody{Reader: bytes.NewReader(out), data: out}
			r.ContentLength = int64(len(out))
		}
		next.ServeHTTP(w, r)
	})
}

// isToolCall reports whether msg, one valid JSON-RPC message, is a
// tools/call request that mcp-go reads as such.
func isToolCall(msg []byte) bool {
	_, method, ok := rpcid.Request(msg)
	return ok && method == "tools/call"
}
