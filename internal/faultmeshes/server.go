package faultmeshes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Request is one request as it arrived on the wire, with what was done to it.
type Request struct {
	Method string
	// Path is the escaped path as sent (so an encoded "%2e%2e" stays visible).
	Path  string
	Query string
	Fault Fault
	// Forwarded reports that the upstream handled the request, so its
	// effect (a created object, an accepted event) took place.
	Forwarded bool
	// Status is what the upstream answered when forwarded.
	Status int
	At     time.Time
}

// Random injects faults at a seeded rate, so that a run is reproducible from
// its seed.
type Random struct {
	// Rate is the probability in [0, 1] that a matching request is faulted.
	Rate float64
	Seed uint64
	// Faults are drawn uniformly; empty means Transient().
	Faults []Fault
	// Methods limits the random faults to these methods; empty means all.
	Methods []string
}

// script is a queue of faults for the requests matching method and pattern.
type script struct {
	method, pattern string
	faults          []Fault
}

// Proxy is the fault-injecting handler. The zero value is not usable; call
// New. It is safe for concurrent use.
type Proxy struct {
	upstream http.Handler
	closed   chan struct{}
	close    sync.Once

	mu      sync.Mutex
	scripts []*script
	random  *Random
	rng     *rand.Rand
	log     []Request
}

// New returns a Proxy in front of upstream, passing everything until told
// otherwise.
func New(upstream http.Handler) *Proxy {
	return &Proxy{upstream: upstream, closed: make(chan struct{})}
}

// Script queues faults for the next requests whose method and path match:
// the first matching request gets faults[0], the next faults[1], and so on;
// once used up, the script no longer matches. method "" matches any method;
// pattern is a path.Match pattern over the escaped path ("*" matches one
// segment), "" matches any path. Scripts are consulted in the order they
// were added, before the random faults.
func (p *Proxy) Script(method, pattern string, faults ...Fault) {
	if pattern != "" {
		if _, err := path.Match(pattern, "/"); err != nil {
			panic(fmt.Sprintf("faultmeshes: bad pattern %q: %v", pattern, err))
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scripts = append(p.scripts, &script{method: method, pattern: pattern, faults: slices.Clone(faults)})
}

// SetRandom sets (or, with nil, clears) the random fault rate.
func (p *Proxy) SetRandom(r *Random) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r == nil {
		p.random, p.rng = nil, nil
		return
	}
	cp := *r
	if len(cp.Faults) == 0 {
		cp.Faults = Transient()
	}
	p.random = &cp
	p.rng = rand.New(rand.NewPCG(cp.Seed, cp.Seed^0x9e3779b97f4a7c15))
}

// Pending returns how many scripted faults have not been used yet.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.scripts {
		n += len(s.faults)
	}
	return n
}

// Requests returns every request received so far, in arrival order.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Count returns how many requests matching method and pattern (as in
// Script) arrived on the wire, faulted or not.
func (p *Proxy) Count(method, pattern string) int {
	return p.count(method, pattern, false)
}

// Forwarded returns how many requests matching method and pattern reached
// the upstream, i.e. could have taken effect.
func (p *Proxy) Forwarded(method, pattern string) int {
	return p.count(method, pattern, true)
}

func (p *Proxy) count(method, pattern string, forwardedOnly bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.log {
		if matches(method, pattern, r.Method, r.Path) && (!forwardedOnly || r.Forwarded) {
			n++
		}
	}
	return n
}

// Reset forgets the request log and every script and random setting.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log, p.scripts, p.random, p.rng = nil, nil, nil, nil
}

// Close releases every request held by a Hang fault.
func (p *Proxy) Close() { p.close.Do(func() { close(p.closed) }) }

func matches(method, pattern, gotMethod, gotPath string) bool {
	if method != "" && method != gotMethod {
		return false
	}
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, gotPath)
	return ok
}

// choose picks the fault for one request and logs it.
func (p *Proxy) choose(r *http.Request) (Fault, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	escaped := r.URL.EscapedPath()
	f := Fault{Kind: Pass}
	scripted := false
	for _, s := range p.scripts {
		if len(s.faults) > 0 && matches(s.method, s.pattern, r.Method, escaped) {
			f, s.faults = s.faults[0], s.faults[1:]
			scripted = true
			break
		}
	}
	if !scripted && p.random != nil && (len(p.random.Methods) == 0 || slices.Contains(p.random.Methods, r.Method)) {
		if p.rng.Float64() < p.random.Rate {
			f = p.random.Faults[p.rng.IntN(len(p.random.Faults))]
		}
	}
	p.log = append(p.log, Request{Method: r.Method, Path: escaped, Query: r.URL.RawQuery, Fault: f, At: time.Now()})
	return f, len(p.log) - 1
}

func (p *Proxy) markForwarded(i, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log[i].Forwarded, p.log[i].Status = true, status
}

// ServeHTTP applies the chosen fault.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, i := p.choose(r)
	var rec *recorder
	if f.Forwards() {
		rec = newRecorder()
		p.upstream.ServeHTTP(rec, r)
		p.markForwarded(i, rec.status)
	} else {
		// The request is refused unread, as a rate limiter or a gateway
		// does; drain it so the client is not blocked writing it.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 8<<20))
	}
	switch f.Kind {
	case Pass:
		rec.replay(w)
	case RateLimited, InternalError, BadGateway, Unavailable, GatewayTimeout:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Kind.Status())
		fmt.Fprintf(w, `{"message":%q,"error":{"name":"Injected","message":"fault injected by faultmeshes"}}`, http.StatusText(f.Kind.Status()))
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closed:
		}
	case Reset:
		resetConn(w, nil)
	case ResetMidBody:
		body := rec.body.Bytes()
		var head bytes.Buffer
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			rec.status, http.StatusText(rec.status), rec.header.Get("Content-Type"), len(body))
		head.Write(body[:len(body)/2])
		resetConn(w, head.Bytes())
	case TruncatedJSON:
		body := rec.body.Bytes()
		rec.body = bytes.NewBuffer(body[:len(body)/2])
		rec.replay(w)
	case MalformedJSON:
		rec.body = bytes.NewBufferString(`{"records": [{"id": ` + "\x00" + `<html>502</html>`)
		rec.replay(w)
	case Oversize:
		size := f.Size
		if size <= 0 {
			size = DefaultOversize
		}
		writeOversize(w, rec, size)
	}
}

// resetConn takes over the connection, writes prefix, and closes it with a
// TCP RST (linger 0) rather than an orderly FIN.
func resetConn(w http.ResponseWriter, prefix []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a recorder: the closest thing is an aborted handler.
		panic(http.ErrAbortHandler)
	}
	if len(prefix) > 0 {
		_, _ = buf.Write(prefix)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// writeOversize streams the upstream's body followed by whitespace up to size
// bytes, without holding the padding in memory.
func writeOversize(w http.ResponseWriter, rec *recorder, size int) {
	body := rec.body.Bytes()
	copyHeader(w.Header(), rec.header)
	w.Header().Set("Content-Length", strconv.Itoa(max(size, len(body))))
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
	pad := bytes.Repeat([]byte(" "), 64<<10)
	for left := size - len(body); left > 0; left -= len(pad) {
		if _, err := w.Write(pad[:min(left, len(pad))]); err != nil {
			return
		}
	}
}

// recorder buffers the upstream's answer so a fault can replace or corrupt it.
type recorder struct {
	header http.Header
	status int
	body   *bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, body: &bytes.Buffer{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) replay(w http.ResponseWriter) {
	copyHeader(w.Header(), r.header)
	w.Header().Set("Content-Length", strconv.Itoa(r.body.Len()))
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = slices.Clone(v)
	}
}

// Server is a Proxy listening on a loopback port.
type Server struct {
	*Proxy
	// URL is the base URL, e.g. http://127.0.0.1:40123 (no /api/v1).
	URL  string
	http *http.Server
	done chan error

	stop     sync.Once
	closeErr error
}

// Listen serves a new Proxy in front of upstream on 127.0.0.1:0.
func Listen(upstream http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := New(upstream)
	s := &Server{Proxy: p, URL: "http://" + ln.Addr().String(),
		http: &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}, done: make(chan error, 1)}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// Close releases hung requests and closes the listener and every
// connection at once, as a crashing API would: a stand-in has nothing to
// drain, and a graceful shutdown would wait 5 s on any connection a client
// opened but never used. Later calls return the first call's result.
func (s *Server) Close() error {
	s.stop.Do(func() {
		s.Proxy.Close()
		s.closeErr = s.http.Close()
		if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && s.closeErr == nil {
			s.closeErr = serveErr
		}
	})
	return s.closeErr
}
