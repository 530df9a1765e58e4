package cli

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
)

// HTTPOptions are the settings of the HTTP transports (--transport http|sse).
type HTTPOptions struct {
	Addr            string
	AuthToken       string
	TLSCert         string
	TLSKey          string
	AllowedOrigins  []string
	ShutdownTimeout time.Duration
}

// envAuthToken holds the bearer token. It is read in After rather than used
// as the flag's default, because flag defaults are printed by -h.
const envAuthToken = "MESHES_MCP_TOKEN"

// registerHTTPFlags registers the settings of the http and sse transports.
func registerHTTPFlags(f *Flags, cfg *Config) {
	var origins, shutdown string
	h := &cfg.HTTP
	f.String(&h.Addr, "addr", "MESHES_MCP_ADDR", httpserver.DefaultAddr,
		"host:port the http and sse transports listen on; a non-loopback address requires --auth-token or --oauth-issuer")
	f.StringVar(&h.AuthToken, "auth-token", "",
		"bearer token HTTP clients must send (env "+envAuthToken+", preferred: flags are visible in ps)")
	f.String(&h.TLSCert, "tls-cert", "MESHES_MCP_TLS_CERT", "", "PEM certificate file: serve HTTPS (with --tls-key)")
	f.String(&h.TLSKey, "tls-key", "MESHES_MCP_TLS_KEY", "", "PEM private key file for --tls-cert")
	f.String(&origins, "allowed-origins", "MESHES_MCP_ALLOWED_ORIGINS", "",
		"comma-separated browser origins (scheme://host[:port], or *) allowed besides same-origin")
	f.String(&shutdown, "shutdown-timeout", "MESHES_MCP_SHUTDOWN_TIMEOUT", httpserver.DefaultShutdownTimeout.String(),
		"on SIGINT/SIGTERM, how long in-flight HTTP calls may take to finish")
	f.After(func() error {
		if h.AuthToken == "" {
			h.AuthToken = strings.TrimSpace(f.env(envAuthToken))
		}
		h.AllowedOrigins = strings.Split(origins, ",") // httpserver trims them and skips blanks
		var err error
		if h.ShutdownTimeout, err = time.ParseDuration(strings.TrimSpace(shutdown)); err != nil || h.ShutdownTimeout <= 0 {
			return fmt.Errorf("--shutdown-timeout must be a positive duration such as 15s, not %q", shutdown)
		}
		if cfg.Transport != string(httpserver.TransportHTTP) && cfg.Transport != string(httpserver.TransportSSE) {
			return nil
		}
		// Refuse an unsafe exposure before the catalog or sandbox starts.
		// MaxMessageBytes is parsed by then (transportFlags lists it first);
		// when it was invalid its own check names the flag, and Validate
		// treats the 0 left behind as the default.
		if err := cfg.httpServerConfig(httpserver.Transport(cfg.Transport), nil).Validate(); err != nil {
			return fmt.Errorf("--transport %s: %w", cfg.Transport, err)
		}
		return nil
	})
}

func (c *Config) httpServerConfig(t httpserver.Transport, logger *slog.Logger) httpserver.Config {
	h := &c.HTTP
	hc := httpserver.Config{
		Transport:       t,
		RefuseMessage:   c.refusePrompt,
		Arguments:       c.argumentStash,
		Addr:            h.Addr,
		AuthToken:       h.AuthToken,
		TLSCertFile:     h.TLSCert,
		TLSKeyFile:      h.TLSKey,
		AllowedOrigins:  h.AllowedOrigins,
		MaxBodyBytes:    c.MaxMessageBytes,
		ShutdownTimeout: h.ShutdownTimeout,
		Logger:          logger,
		OAuth:           c.Operator.oauth(),
		RateLimit:       c.Operator.RateLimit,
	}
	if m := c.Operator.metrics; m != nil {
		hc.Metrics, hc.Observer = m.Handler(), m
	}
	return hc
}

// httpGCPercent is the garbage collector target used when serving HTTP and
// the operator has not set GOGC. The server's live heap is a few MiB, so
// the default of 100 collects constantly under load from many agents; 400
// cut server CPU per tool call by about a fifth for about 11 MiB more
// resident memory (BENCHMARKS.md, "HTTP load").
const httpGCPercent = 400

// serveHTTP serves MCP over HTTP until ctx ends (SIGINT/SIGTERM), then
// drains in-flight calls within --shutdown-timeout.
func serveHTTP(t httpserver.Transport) Transport {
	return func(ctx context.Context, srv *server.MCPServer, cfg *Config, env *Env) error {
		s, err := httpserver.New(srv, cfg.httpServerConfig(t, env.Logger.With("component", "http")))
		if err != nil {
			return err
		}
		if env.Getenv("GOGC") == "" {
			debug.SetGCPercent(httpGCPercent)
		}
		return s.ListenAndServe(ctx)
	}
}
