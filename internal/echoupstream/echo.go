// Package echoupstream is a broken upstream for tests: a raw TCP server
// that answers each HTTP request with bytes built from the request's
// Authorization value, so a test can make it quote the caller's bearer
// token in a status line, a header or a body, malformed HTTP included
// (which net/http's server would refuse to write).
package echoupstream

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server is one listening echo upstream on loopback.
type Server struct {
	// URL is http://127.0.0.1:<port>.
	URL string

	mu     sync.Mutex
	tokens []string
}

// Start listens on a kernel-chosen loopback port until the test ends.
// respond gets the request's Authorization header value and returns the
// whole raw response.
func Start(t testing.TB, respond func(authorization string) string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &Server{URL: "http://" + ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn, respond)
		}
	}()
	return s
}

func (s *Server) serve(conn net.Conn, respond func(string) string) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	auth := req.Header.Get("Authorization")
	s.mu.Lock()
	s.tokens = append(s.tokens, strings.TrimPrefix(auth, "Bearer "))
	s.mu.Unlock()
	_, _ = conn.Write([]byte(respond(auth)))
}

// Tokens returns the bearer tokens received so far, in arrival order.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens...)
}

// Parts returns each token received and its dot-separated parts of at
// least minLen bytes: what must not appear anywhere, whole or cut apart.
func (s *Server) Parts(minLen int) []string {
	var out []string
	for _, tok := range s.Tokens() {
		out = append(out, tok)
		for _, p := range strings.Split(tok, ".") {
			if len(p) >= minLen {
				out = append(out, p)
			}
		}
	}
	return out
}

// Signature is the last part of a bearer token in an Authorization value.
func Signature(authorization string) string {
	return authorization[strings.LastIndex(authorization, ".")+1:]
}

// Reply is a well-formed JSON response with the given status line tail
// ("200 OK") and body.
func Reply(status, body string) string {
	return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body
}
