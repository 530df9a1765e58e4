// Package httpserver exposes an MCP server over HTTP: streamable HTTP at /mcp
// (stateless, so any number of replicas behind any load balancer can serve
// one client) or legacy SSE at /sse and /message, plus /healthz for probes.
//
// Every MCP endpoint sits behind the same guards (see guard), outermost
// first: Origin check, bearer token (static or OAuth), body size limit, the
// per-caller write scope and rate limit, per-request narrowing headers.
// mcp-go's own DNS-rebinding guard (Host must be loopback on a loopback
// connection) stays on inside its handlers. Graceful shutdown drains in-flight calls of
// both transports within a bound (see Serve).
package httpserver

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// Server is one HTTP listener serving one MCP server.
type Server struct {
	cfg      Config
	mcp      *server.MCPServer
	auth     *authenticator
	limiter  *callerLimiter     // nil: no rate limit
	stopKeys context.CancelFunc // ends the OAuth key refresh
	handler  http.Handler
	tls      *tls.Config
	sse      *server.SSEServer // nil unless Transport is SSE
	drain    *sseDrain         // nil unless Transport is SSE
	streams  *streamPolicies   // nil unless Transport is SSE
	// ids keeps JSON-RPC ids exact across mcp-go (see exactIDs).
	ids rpcid.Swapper
	// bodyBudget bounds the bytes of large request bodies being served.
	bodyBudget *byteBudget
}

// bodyReadTimeout is how long a request body may take to arrive: 4 MiB at
// 140 KiB/s, far slower than any real client on a working network.
const bodyReadTimeout = 30 * time.Second

// bodyBudgetBodies is how many maximum-size bodies may be served at once;
// smaller ones share the same byte budget.
const bodyBudgetBodies = 4

// New checks cfg (see Config) and builds the handler tree. It does not
// listen yet, so configuration errors surface before any port is taken.
// With OAuth configured it fetches the issuer's discovery document and
// keys, so an unreachable or misnamed issuer is reported here.
func New(mcp *server.MCPServer, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mcp: mcp, auth: &authenticator{}, limiter: newCallerLimiter(cfg.RateLimit), stopKeys: func() {},
		bodyBudget: newByteBudget(bodyBudgetBodies * cfg.MaxBodyBytes)}
	if cfg.AuthToken != "" {
		h := sha256.Sum256([]byte(cfg.AuthToken))
		s.auth.staticHash = &h
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading TLS certificate and key: %w", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", healthz)
	if cfg.Metrics != nil {
		mux.Handle("/metrics", cfg.Metrics)
	}
	if cfg.OAuth != nil {
		keysCtx, stop := context.WithCancel(context.Background())
		v, err := newTokenVerifier(keysCtx, cfg.OAuth)
		if err != nil {
			stop()
			return nil, err
		}
		s.auth.oauth, s.stopKeys = v, stop
		mux.HandleFunc(prmPath, v.serveMetadata)
		if suffixed := strings.TrimPrefix(v.metadataURL, publicOrigin(cfg.OAuth.PublicURL)); suffixed != prmPath {
			mux.HandleFunc(suffixed, v.serveMetadata)
		}
	}
	switch cfg.Transport {
	case TransportHTTP:
		mux.Handle("/mcp", s.guard(exactIDs(&s.ids, http.StatusOK, cfg.Arguments, restoreIDs(&s.ids,
			s.refusing(dropSharedCancellations(server.NewStreamableHTTPServer(mcp, s.streamableOptions()...)), answerInBody)))))
	case TransportSSE:
		s.drain, s.streams = newSSEDrain(), &streamPolicies{}
		s.sse = server.NewSSEServer(mcp, s.sseOptions()...)
		mux.Handle("/sse", s.guard(restoreIDs(&s.ids, s.drain.trackStream(s.sse.SSEHandler(), s.streams.forget))))
		mux.Handle("/message", s.guard(exactIDs(&s.ids, http.StatusBadRequest, nil,
			s.streams.apply(offerSSEVersions(s.drain.trackRequests(s.refusing(s.sse.MessageHandler(), answerOnStream(s.sse))))))))
	}
	s.handler = mux
	return s, nil
}

// corsHeaders are the request headers a browser client may send: the MCP
// transport's own, the bearer token and the narrowing headers.
var corsHeaders = []string{
	"Content-Type", "Authorization", "Last-Event-ID",
	server.HeaderKeySessionID, "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name",
	HeaderReadOnly, HeaderToolsets, HeaderWorkspaces,
}

// streamableOptions configures mcp-go's streamable HTTP server. Stateless:
// no session is minted or looked up, so consecutive requests of one client
// may land on different replicas. The standalone GET stream is disabled
// because in stateless mode nothing could be routed to it; responses and
// progress notifications still stream on each POST.
func (s *Server) streamableOptions() []server.StreamableHTTPOption {
	opts := []server.StreamableHTTPOption{
		server.WithStateLess(true),
		server.WithDisableStreaming(true),
		server.WithStreamableHTTPLogger(s.cfg.Logger),
	}
	if len(s.cfg.AllowedOrigins) > 0 {
		opts = append(opts, server.WithStreamableHTTPCORS(
			server.WithCORSAllowedOrigins(s.cfg.AllowedOrigins...),
			server.WithCORSAllowedHeaders(corsHeaders...),
		))
	}
	return opts
}

// sseKeepAlive keeps idle SSE streams open through proxies that cut silent
// connections (commonly after 60 s).
const sseKeepAlive = 25 * time.Second

func (s *Server) sseOptions() []server.SSEOption {
	opts := []server.SSEOption{
		server.WithSessionIDGenerator(func(ctx context.Context, r *http.Request) (string, error) {
			id, err := s.drain.newSessionID(ctx, r)
			if err == nil {
				s.streams.bind(id, r)
			}
			return id, err
		}),
		server.WithKeepAliveInterval(sseKeepAlive),
	}
	if len(s.cfg.AllowedOrigins) > 0 {
		opts = append(opts, server.WithSSECORS(
			server.WithCORSAllowedOrigins(s.cfg.AllowedOrigins...),
			server.WithCORSAllowedHeaders(corsHeaders...),
		))
	}
	return opts
}

// guard wraps an MCP endpoint in the checks every request must pass, in the
// order that reveals least to a caller who fails them, inside the layer
// that gives each request its id, its log line and its metrics.
func (s *Server) guard(h http.Handler) http.Handler {
	h = s.narrow(h)
	h = s.gateCalls(h)
	h = limitBody(bodyLimits{max: s.cfg.MaxBodyBytes, timeout: bodyReadTimeout, budget: s.bodyBudget}, h)
	h = s.authenticate(h)
	return s.observe(requireOrigin(s.cfg.AllowedOrigins, h))
}

// Listen binds the configured address, wrapping it in TLS when configured.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", s.cfg.Addr, err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	return ln, nil
}

// ListenAndServe is Listen followed by Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// the listener closes at once, in-flight calls get up to ShutdownTimeout to
// finish, and whatever is still running after that is cut off. It returns
// nil after a clean drain.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	defer s.stopKeys()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
	}
	s.logStart(ln.Addr())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}

	s.cfg.Logger.Info("shutting down: no new connections; waiting for in-flight calls", "timeout", s.cfg.ShutdownTimeout)
	drainCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.shutdown(drainCtx, srv)
	<-served
	if err != nil {
		s.cfg.Logger.Warn("in-flight calls did not finish in time; connections closed", "timeout", s.cfg.ShutdownTimeout)
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	s.cfg.Logger.Info("shut down cleanly")
	return nil
}

// shutdown stops accepting, waits for in-flight work, and force-closes at
// the bound. SSE streams never go idle on their own, so once every accepted
// SSE call has been answered they are ended explicitly.
func (s *Server) shutdown(ctx context.Context, srv *http.Server) error {
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Shutdown(ctx) }()
	var err error
	if s.sse != nil {
		err = s.drain.wait(ctx)
		s.sse.CloseSessions()
	}
	if shutdownErr := <-stopped; err == nil {
		err = shutdownErr
	}
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	return nil
}

func (s *Server) logStart(addr net.Addr) {
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
	}
	paths := []string{"/mcp"}
	if s.cfg.Transport == TransportSSE {
		paths = []string{"/sse", "/message"}
	}
	s.cfg.Logger.Info("serving MCP over HTTP",
		"transport", string(s.cfg.Transport),
		"url", scheme+"://"+addr.String()+paths[0],
		"endpoints", paths,
		"auth", s.cfg.AuthToken != "",
		"oauth", s.auth.oauth != nil,
		"rate_limit_per_second", s.cfg.RateLimit.PerSecond,
		"tls", s.tls != nil,
		"allowed_origins", s.cfg.AllowedOrigins,
	)
	if loopback, _ := isLoopbackBind(s.cfg.Addr); !loopback && s.tls == nil {
		s.cfg.Logger.Warn("listening beyond loopback without TLS: the bearer token crosses the network in clear unless a TLS proxy sits in front", "addr", s.cfg.Addr)
	}
}

// healthz answers liveness and readiness probes. It is deliberately outside
// the auth guard (load balancers carry no token) and reveals nothing.
func healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
