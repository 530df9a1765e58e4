package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// requireOrigin refuses browser requests from origins the operator did not
// allow. mcp-go's guard only checks Host on loopback connections; a page on
// another site can still reach a server exposed on the network, and the MCP
// spec asks servers to validate Origin on every connection. Requests without
// an Origin header (every non-browser client) pass.
func requireOrigin(allowed []string, next http.Handler) http.Handler {
	anyOrigin := slices.Contains(allowed, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || anyOrigin {
			next.ServeHTTP(w, r)
			return
		}
		n, ok := normaliseOrigin(origin)
		if ok && (slices.Contains(allowed, n) || sameOrigin(n, r)) {
			next.ServeHTTP(w, r)
			return
		}
		http.Error(w, "Forbidden: origin "+strconv.Quote(origin)+" is not allowed; start the server with --allowed-origins to permit it", http.StatusForbidden)
	})
}

// sameOrigin reports whether a normalised origin names the host the request
// was sent to, i.e. the page was served by this server.
func sameOrigin(origin string, r *http.Request) bool {
	_, host, _ := strings.Cut(origin, "://")
	return strings.EqualFold(host, r.Host)
}

// limitBody buffers a POST body of at most lim.max bytes and answers 413
// beyond. mcp-go reads bodies itself and would turn a cut-off body into a
// JSON-RPC parse error; reading it here first gives the client the status
// that says what actually went wrong. The buffered body is left in place
// for the middleware behind (see requestBody).
//
// Reading is bounded in time and in memory. The body must arrive within
// lim.timeout (408 otherwise): 200 connections trickling bodies in held
// 850 MiB, each buffer allocated up front. And a body over smallBody takes
// its declared size (lim.max when unknown) from lim.budget until its
// request is served, or is refused with 503 before any of it is read when
// the budget is spent: decoding a 4 MiB send_events body costs about 25
// times its size, so 32 concurrent ones reached 3 GiB.
func limitBody(lim bodyLimits, next http.Handler) http.Handler {
	tooLarge := "Request Entity Too Large: the body exceeds " + strconv.FormatInt(lim.max, 10) + " bytes; split the request (e.g. fewer events per send_events call)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > lim.max {
			http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
			return
		}
		if cost := lim.cost(r.ContentLength); cost > 0 {
			if !lim.budget.take(cost) {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "Service Unavailable: too many large requests are being processed; retry in a moment", http.StatusServiceUnavailable)
				return
			}
			defer lim.budget.give(cost)
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(lim.timeout))
		body, err := readBody(http.MaxBytesReader(w, r.Body, lim.max), r.ContentLength)
		_ = rc.SetReadDeadline(time.Time{})
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				w.Header().Set("Connection", "close")
				http.Error(w, "Request Timeout: the body did not arrive within "+lim.timeout.String(), http.StatusRequestTimeout)
			case isMaxBytes(err):
				http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
			default:
				http.Error(w, "Bad Request: the request body could not be read", http.StatusBadRequest)
			}
			return
		}
		if msg, refuse := oversizedBatch(body); refuse {
			http.Error(w, msg, http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body}
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// oversizedBatch refuses a send_events call with more events than the tool
// accepts by counting them in the raw body, before mcp-go decodes it: the
// tool's own check comes after every event was decoded, about 80 bytes of
// memory per byte of small events. The call is read with encoding/json, as
// mcp-go reads it (member names in any letter case, escaped strings), into
// a struct that counts the events without copying them; a body too short
// to hold more events than the cap is not read at all.
func oversizedBatch(body []byte) (string, bool) {
	if len(body) < 2*tools.DefaultMaxEvents+1 { // each event takes at least a byte and a comma
		return "", false
	}
	var call struct {
		Method string
		Params struct {
			Name      string
			Arguments struct{ Events elementCount }
		}
	}
	if json.Unmarshal(body, &call) != nil || call.Method != "tools/call" || call.Params.Name != "send_events" {
		return "", false
	}
	if n := int(call.Params.Arguments.Events); n > tools.DefaultMaxEvents {
		return fmt.Sprintf("Request Entity Too Large: send_events got %d events, over the %d one call accepts; split them into several calls", n, tools.DefaultMaxEvents), true
	}
	return "", false
}

// elementCount decodes a JSON array as the number of its elements.
type elementCount int

func (c *elementCount) UnmarshalJSON(raw []byte) error {
	for range rawjson.Elements(raw) {
		*c++
	}
	return nil
}

func isMaxBytes(err error) bool {
	_, ok := errors.AsType[*http.MaxBytesError](err)
	return ok
}

// smallBody is the size below which a body is not charged to the budget:
// ordinary MCP requests are far smaller and must never be refused because
// large ones are in flight.
const smallBody = 64 << 10

// bodyLimits bound request bodies: max per body, timeout to receive it, and
// budget shared by the large ones in flight.
type bodyLimits struct {
	max     int64
	timeout time.Duration
	budget  *byteBudget
}

// cost is what a body of the declared length (-1: unknown) is charged.
func (l bodyLimits) cost(length int64) int64 {
	switch {
	case length < 0:
		return l.max
	case length <= smallBody:
		return 0
	}
	return length
}

// byteBudget is a count of bytes that requests take and give back.
type byteBudget struct {
	mu          sync.Mutex
	used, limit int64
}

func newByteBudget(limit int64) *byteBudget { return &byteBudget{limit: limit} }

// take reserves n bytes if they fit, without waiting.
func (b *byteBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// readBody reads a body whose length is known in one allocation.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length < 0 {
		return io.ReadAll(body)
	}
	buf := make([]byte, length)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// bufferedBody is a request body limitBody has already read into memory.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (*bufferedBody) Close() error { return nil }

// requestBody returns the bytes of r's body without consuming it: the
// buffer limitBody left, or else the body read and put back.
func requestBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Body.(*bufferedBody); ok {
		return b.data, nil
	}
	data, err := io.ReadAll(r.Body)
	r.Body = &bufferedBody{Reader: bytes.NewReader(data), data: data}
	return data, err
}
