package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/metrics"
)

// OperatorOptions are the settings of a shared, team-wide HTTP server:
// OAuth, per-caller rate limits, metrics and log format, all registered by
// registerOperatorFlags (listed in registry.go).
type OperatorOptions struct {
	OAuthIssuer     string
	PublicURL       string
	ReadScope       string
	WriteScope      string
	WorkspacesClaim string
	RateLimit       httpserver.RateLimit
	// LogFormat is "text" or "json".
	LogFormat string
	// metrics is set when serving HTTP; the catalog and the Meshes client
	// report to it and /metrics serves it.
	metrics *metrics.Metrics
}

func registerOperatorFlags(f *Flags, cfg *Config) {
	o := &cfg.Operator
	var rate, burst string
	f.String(&o.OAuthIssuer, "oauth-issuer", "MESHES_MCP_OAUTH_ISSUER", "",
		"OAuth/OpenID issuer URL whose access tokens HTTP clients may present (needs --public-url)")
	f.String(&o.PublicURL, "public-url", "MESHES_MCP_PUBLIC_URL", "",
		"the MCP endpoint URL clients connect to, e.g. https://mcp.example.com/mcp: the OAuth resource and token audience")
	f.String(&o.ReadScope, "oauth-read-scope", "MESHES_MCP_OAUTH_READ_SCOPE", httpserver.DefaultReadScope,
		"OAuth scope granting the read-only tools")
	f.String(&o.WriteScope, "oauth-write-scope", "MESHES_MCP_OAUTH_WRITE_SCOPE", httpserver.DefaultWriteScope,
		"OAuth scope granting every tool")
	f.String(&o.WorkspacesClaim, "oauth-workspaces-claim", "MESHES_MCP_OAUTH_WORKSPACES_CLAIM", httpserver.DefaultWorkspacesClaim,
		"access-token claim listing the workspace ids a caller is confined to (absent: no confinement)")
	f.String(&rate, "rate-limit", "MESHES_MCP_RATE_LIMIT", "0",
		"tool calls per second each HTTP caller (OAuth subject, token holder or peer) may make; 0 is unlimited")
	f.String(&burst, "rate-burst", "MESHES_MCP_RATE_BURST", "0",
		"tool calls a caller may make at once within --rate-limit (default: the rate, at least 1)")
	f.String(&o.LogFormat, "log-format", "MESHES_LOG_FORMAT", "text", "stderr log format: text or json")
	f.After(func() error {
		var err error
		if o.RateLimit.PerSecond, err = strconv.ParseFloat(strings.TrimSpace(rate), 64); err != nil || o.RateLimit.PerSecond < 0 {
			return fmt.Errorf("--rate-limit must be a number of calls per second (0 for none), not %q", rate)
		}
		if o.RateLimit.Burst, err = strconv.Atoi(strings.TrimSpace(burst)); err != nil || o.RateLimit.Burst < 0 {
			return fmt.Errorf("--rate-burst must be a whole number of calls, not %q", burst)
		}
		if o.LogFormat != "text" && o.LogFormat != "json" {
			return fmt.Errorf("--log-format must be text or json, not %q", o.LogFormat)
		}
		if (o.OAuthIssuer == "") != (o.PublicURL == "") {
			return fmt.Errorf("--oauth-issuer and --public-url go together: the server must know both who issues tokens and which URL they are for")
		}
		if cfg.Transport == string(httpserver.TransportHTTP) || cfg.Transport == string(httpserver.TransportSSE) {
			o.metrics = metrics.New()
		}
		return nil
	})
}

// oauth is the httpserver setting the flags ask for, or nil.
func (o *OperatorOptions) oauth() *httpserver.OAuth {
	if o.OAuthIssuer == "" {
		return nil
	}
	return &httpserver.OAuth{Issuer: o.OAuthIssuer, PublicURL: o.PublicURL,
		ReadScope: o.ReadScope, WriteScope: o.WriteScope, WorkspacesClaim: o.WorkspacesClaim}
}

// observeClient points the Meshes client's observer at the metrics, when
// serving HTTP.
func (o *OperatorOptions) observeClient(c *meshesapi.Config) {
	if o.metrics != nil {
		c.Observer = o.metrics
	}
}

// requestIDHandler adds the request id of the record's context (an HTTP
// request's, which is also sent to Meshes) to every log record that does
// not already carry one, so that a call can be followed through the logs.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := meshesapi.RequestID(ctx); id != "" {
		has := false
		r.Attrs(func(a slog.Attr) bool {
			has = a.Key == "request_id"
			return !has
		})
		if !has {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
