package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Running is a sandbox serving on a real socket.
type Running struct {
	// URL is the base URL without /api/v1, e.g. http://127.0.0.1:43211.
	URL         string
	Server      *Server
	Credentials Credentials
	http        *http.Server
	served      chan error
}

// Start listens on Options.Addr (default 127.0.0.1:0) and serves a new
// sandbox until Close.
func Start(opts Options) (*Running, error) {
	opts = opts.withDefaults()
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	srv := New(opts)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	run := &Running{URL: "http://" + ln.Addr().String(), Server: srv, Credentials: srv.Credentials(),
		http: hs, served: make(chan error, 1)}
	go func() { run.served <- hs.Serve(ln) }()
	return run, nil
}

// Close stops accepting requests, waits briefly for in-flight ones, and
// stops the delivery workers.
func (r *Running) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.http.Shutdown(ctx)
	r.Server.Close()
	if serveErr := <-r.served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
