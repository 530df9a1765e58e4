package httpserver

import (
	"bytes"
	"encoding/json"
	"net/http"
)

var cancelledMethod = []byte("notifications/cancelled")

// dropSharedCancellations answers notifications/cancelled with 202 without
// passing it on. In stateless mode every request of every client runs under
// the same empty session ID, and mcp-go keys in-flight requests by session
// and JSON-RPC id, so a cancellation of "request 7" from one agent would
// cancel whichever agent's request 7 this replica happens to be running
// (clients all number their requests from 1). A stateless client cancels a
// call by aborting its HTTP request instead, which cancels exactly that
// call's context; the notification could reach another replica anyway.
func dropSharedCancellations(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := requestBody(r)
		if err == nil && bytes.Contains(body, cancelledMethod) && isCancelNotification(body) {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isCancelNotification(body []byte) bool {
	var e jsonrpcEnvelope
	return json.Unmarshal(body, &e) == nil && e.Method != nil &&
		*e.Method == string(cancelledMethod) && !e.hasID()
}
