package httpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"sync"
)

// sseDrain lets a graceful shutdown of the SSE transport wait for the calls
// it already accepted. mcp-go answers POST /message with 202 at once and
// writes the real response later on the session's event stream, so
// http.Server.Shutdown alone cannot see the call: it would wait forever on
// the never-idle streams, and closing them early would drop the answers.
// sseDrain counts, per session, the requests posted and the responses
// written to the stream; shutdown closes the streams once the count is zero.
type sseDrain struct {
	mu      sync.Mutex
	pending map[string]int // session ID → requests still owed a response
	total   int
	idle    chan struct{} // closed when total reaches zero while a waiter exists
}

func newSSEDrain() *sseDrain {
	return &sseDrain{pending: make(map[string]int)}
}

// streamKey carries a stream's *drainWriter to newSessionID, the one place
// that learns the session ID mcp-go will announce on that stream.
type streamKey struct{}

// newSessionID generates the SSE session ID (an unguessable random string,
// as the ID is the only thing binding a POST to a stream) and records it on
// the stream's writer so its responses are counted against that session.
func (d *sseDrain) newSessionID(_ context.Context, r *http.Request) (string, error) {
	id := rand.Text()
	if w, ok := r.Context().Value(streamKey{}).(*drainWriter); ok {
		w.sessionID = id
	}
	return id, nil
}

// trackStream wraps the GET /sse handler: every response event written to
// the stream settles one pending request of its session, and whatever is
// still pending when the stream ends can no longer be delivered, so it is
// forgotten rather than waited for. ended is told the session ID of every
// stream that ends.
func (d *sseDrain) trackStream(next http.Handler, ended func(sessionID string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &drainWriter{ResponseWriter: w, drain: d}
		next.ServeHTTP(dw, r.WithContext(context.WithValue(r.Context(), streamKey{}, dw)))
		if dw.sessionID != "" {
			d.forget(dw.sessionID)
			ended(dw.sessionID)
		}
	})
}

// trackRequests wraps the POST /message handler: a JSON-RPC request (it has
// an id and a method) is counted before mcp-go queues it, and uncounted if
// mcp-go refuses it (no 202), because then no response will come.
func (d *sseDrain) trackRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessionID := r.URL.Query().Get("sessionId")
		body, err := requestBody(r)
		if err != nil || sessionID == "" || !isJSONRPCRequest(body) {
			next.ServeHTTP(w, r)
			return
		}
		d.add(sessionID)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status != http.StatusAccepted {
			d.settle(sessionID)
		}
	})
}

func (d *sseDrain) add(sessionID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending[sessionID]++
	d.total++
}

func (d *sseDrain) settle(sessionID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[sessionID] == 0 {
		return
	}
	d.pending[sessionID]--
	if d.pending[sessionID] == 0 {
		delete(d.pending, sessionID)
	}
	d.dropLocked(1)
}

func (d *sseDrain) forget(sessionID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.pending[sessionID]
	delete(d.pending, sessionID)
	d.dropLocked(n)
}

func (d *sseDrain) dropLocked(n int) {
	d.total -= n
	if d.total == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// wait returns once every accepted request has been answered, or when ctx
// ends, whichever is first.
func (d *sseDrain) wait(ctx context.Context) error {
	d.mu.Lock()
	if d.total == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drainWriter is the SSE stream's ResponseWriter; mcp-go writes each event
// with a single Write, which lets it recognise responses as they go out.
type drainWriter struct {
	http.ResponseWriter
	drain     *sseDrain
	sessionID string
}

func (w *drainWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	if err == nil && w.sessionID != "" && isResponseEvent(p) {
		w.drain.settle(w.sessionID)
	}
	return n, err
}

// Flush is required: mcp-go refuses to stream to a writer without it.
func (w *drainWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *drainWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusWriter remembers the status code a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes on, since streamed responses depend on it.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonrpcEnvelope is the part of a JSON-RPC message that says what it is.
type jsonrpcEnvelope struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func (e jsonrpcEnvelope) hasID() bool {
	return len(e.ID) > 0 && !bytes.Equal(e.ID, []byte("null"))
}

// isJSONRPCRequest reports whether body is a request that will be answered
// (notifications and client responses are not).
func isJSONRPCRequest(body []byte) bool {
	var e jsonrpcEnvelope
	return json.Unmarshal(body, &e) == nil && e.Method != nil && e.hasID()
}

var messageEventPrefix = []byte("event: message\ndata: ")

// isResponseEvent reports whether p is one SSE event carrying the response
// to a client request (server pings and notifications are not).
func isResponseEvent(p []byte) bool {
	data, ok := bytes.CutPrefix(p, messageEventPrefix)
	if !ok {
		return false
	}
	var e jsonrpcEnvelope
	if json.Unmarshal(bytes.TrimSpace(data), &e) != nil {
		return false
	}
	return e.Method == nil && e.hasID() && (len(e.Result) > 0 || len(e.Error) > 0)
}
