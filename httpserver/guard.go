package httpserver

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// limitBody buffers a POST body of at most max bytes and answers 413 beyond.
// mcp-go reads bodies itself and would turn a cut-off body into a JSON-RPC
// parse error; reading it here first gives the client the status that says
// what actually went wrong. The buffered body is left in place for the
// middleware behind (see requestBody).
func limitBody(max int64, next http.Handler) http.Handler {
	tooLarge := "Request Entity Too Large: the body exceeds " + strconv.FormatInt(max, 10) + " bytes; split the request (e.g. fewer events per send_events call)"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
			return
		}
		body, err := readBody(http.MaxBytesReader(w, r.Body, max), r.ContentLength)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "Bad Request: the request body could not be read", http.StatusBadRequest)
			return
		}
		r.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body}
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
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
