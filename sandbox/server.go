package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Server is the sandbox: an http.Handler serving /api/v1 plus the delivery
// workers it started. Close it to stop the workers.
type Server struct {
	opts   Options
	db     *store
	mux    *http.ServeMux
	queue  *jobQueue
	client *http.Client
	log    *slog.Logger
	// embedSecret signs session access tokens; it never leaves the process.
	embedSecret []byte

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New builds a server, seeds it when asked, and starts its delivery workers.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:        opts,
		db:          newStore(),
		queue:       newJobQueue(),
		client:      newWebhookClient(),
		log:         opts.Logger,
		embedSecret: []byte(randomURLSafe(32)),
		ctx:         ctx,
		cancel:      cancel,
	}
	s.mux = s.routes()
	if opts.Seed {
		s.seed()
	}
	for range opts.Workers {
		s.wg.Add(1)
		go s.worker()
	}
	return s
}

// Close stops the delivery workers, abandoning queued deliveries (they stay
// pending) and cancelling webhook requests in flight, and waits for them.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.queue.close()
		s.wg.Wait()
		s.client.CloseIdleConnections()
	})
}

// Credentials returns the machine key the server accepts.
func (s *Server) Credentials() Credentials { return s.opts.Credentials }

func (s *Server) now() time.Time { return s.opts.Now() }

// ServeHTTP routes through the ServeMux, but answers the mux's own 404 and
// 405 in the API's JSON error shape (docs/meshes-api.md §4) instead of its plain text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(r)
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // not h: the mux also sets the path values
		return
	}
	cw := &captureWriter{header: http.Header{}}
	h.ServeHTTP(cw, r)
	switch cw.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", cw.header.Get("Allow"))
		writeError(w, errorf(http.StatusMethodNotAllowed, "method %s is not allowed for %s", r.Method, r.URL.Path))
	case http.StatusNotFound:
		writeError(w, errorf(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	default: // redirects the mux issues for unclean paths
		for k, v := range cw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(cw.status)
	}
}

// captureWriter records what the mux's fallback handlers would answer.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *captureWriter) WriteHeader(status int) { c.status = status }

// endpoint is a handler body: it returns the status and value to encode, or
// an error. Authentication has already happened.
type endpoint func(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError)

func (s *Server) handle(mux *http.ServeMux, pattern string, mode authMode, ep endpoint) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if mode == ingestion {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		c, aerr := s.authenticate(r, mode)
		status, body := 0, any(nil)
		if aerr == nil {
			status, body, aerr = ep(w, r, c)
		}
		if aerr != nil {
			status = aerr.Status
			writeError(w, aerr)
		} else {
			writeJSON(w, status, body)
		}
		s.log.Debug("sandbox request", "method", r.Method, "path", r.URL.Path, "status", status)
	})
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	const v1 = "/api/v1"
	h := func(pattern string, ep endpoint) { s.handle(m, pattern, machineOnly, ep) }
	// Workspaces (docs/meshes-api.md §6)
	h("GET "+v1+"/workspaces", s.listWorkspaces)
	h("POST "+v1+"/workspaces", s.createWorkspace)
	h("GET "+v1+"/workspaces/{workspace_id}", s.getWorkspace)
	h("PUT "+v1+"/workspaces/{workspace_id}", s.updateWorkspace)
	h("GET "+v1+"/workspaces/{workspace_id}/connections", s.listWorkspaceConnections)
	h("GET "+v1+"/workspaces/{workspace_id}/rules", s.listWorkspaceRules)
	h("GET "+v1+"/workspaces/{workspace_id}/events", s.listWorkspaceEvents)
	h("GET "+v1+"/workspaces/{workspace_id}/event-types", s.listEventTypes)
	h("GET "+v1+"/workspaces/{workspace_id}/resources", s.listResources)
	// Connections (docs/meshes-api.md §7)
	h("GET "+v1+"/connections", s.listConnections)
	h("POST "+v1+"/connections", s.createConnection)
	h("GET "+v1+"/connections/{connection_id}", s.getConnection)
	h("PUT "+v1+"/connections/{connection_id}", s.updateConnection)
	h("DELETE "+v1+"/connections/{connection_id}", s.deleteConnection)
	h("GET "+v1+"/connections/{connection_id}/actions", s.connectionActions)
	h("GET "+v1+"/connections/{connection_id}/fields", s.connectionFields)
	h("GET "+v1+"/connections/{connection_id}/mappings/default", s.getDefaultMapping)
	h("PUT "+v1+"/connections/{connection_id}/mappings/default", s.putDefaultMapping)
	// Integrations (docs/meshes-api.md §8)
	h("GET "+v1+"/integrations", s.listIntegrations)
	// Rules (docs/meshes-api.md §9)
	h("GET "+v1+"/rules", s.listRules)
	h("POST "+v1+"/rules", s.createRule)
	h("GET "+v1+"/rules/{rule_id}", s.getRule)
	h("DELETE "+v1+"/rules/{rule_id}", s.deleteRule)
	// Events (docs/meshes-api.md §10); only the two ingestion routes accept a publishable key.
	s.handle(m, "POST "+v1+"/events", ingestion, s.createEvent)
	s.handle(m, "POST "+v1+"/events/bulk", ingestion, s.createEventsBulk)
	m.HandleFunc("OPTIONS "+v1+"/events", corsPreflight)
	m.HandleFunc("OPTIONS "+v1+"/events/bulk", corsPreflight)
	h("GET "+v1+"/events", s.listEvents)
	h("GET "+v1+"/events/{event_id}", s.getEvent)
	h("GET "+v1+"/events/{event_id}/payload", s.getEventPayload)
	h("POST "+v1+"/events/{event_id}/rules/{rule_id}/retry", s.retryDelivery)
	// Delivery inspection and cancellation ([RULES] only, docs/meshes-api.md §10.6)
	h("GET "+v1+"/events/{event_id}/rules/{rule_id}/attempts", s.listAttempts)
	h("GET "+v1+"/events/{event_id}/rules/{rule_id}/attempts/{attempt_id}", s.getAttempt)
	h("GET "+v1+"/events/{event_id}/rules/{rule_id}/attempts/{attempt_id}/response-details", s.getAttemptResponse)
	h("POST "+v1+"/events/{event_id}/rules/{rule_id}/cancel", s.cancelDelivery)
	h("POST "+v1+"/events/{event_id}/cancel", s.cancelEvent)
	// Sessions (docs/meshes-api.md §12)
	h("POST "+v1+"/sessions", s.createSession)
	h("GET "+v1+"/sessions", s.listSessions)
	h("POST "+v1+"/sessions/{session_id}/refresh", s.refreshSession)
	h("DELETE "+v1+"/sessions/{session_id}", s.revokeSession)
	return m
}

// corsPreflight answers browsers for the two ingestion routes only: event
// ingestion is CORS-friendly so that front-ends can post with a publishable
// key (docs/meshes-api.md §2), while the management API serves no CORS at all.
func corsPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, "+publishableHeader+", X-Meshes-Client")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
