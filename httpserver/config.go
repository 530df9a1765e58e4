package httpserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
)

// Transport names the wire protocol a Server speaks. Both carry the same
// catalog; they differ only in how JSON-RPC messages travel.
type Transport string

const (
	// TransportHTTP is streamable HTTP (the current MCP transport) at /mcp,
	// served statelessly so any replica can answer any request.
	TransportHTTP Transport = "http"
	// TransportSSE is the legacy HTTP+SSE transport at /sse and /message,
	// kept for clients that predate streamable HTTP. It is inherently
	// session-bound: a client must reach the replica holding its stream.
	TransportSSE Transport = "sse"
)

// Defaults applied by Config.withDefaults.
const (
	// DefaultAddr binds loopback only, so a server started without thought
	// is unreachable from the network and needs no token.
	DefaultAddr = "127.0.0.1:8808"
	// DefaultMaxBodyBytes leaves room for a send_events batch of a few
	// thousand small events while refusing absurd uploads.
	DefaultMaxBodyBytes int64 = 4 << 20
	// DefaultShutdownTimeout bounds how long in-flight calls may take to
	// finish after SIGINT/SIGTERM before connections are cut.
	DefaultShutdownTimeout = 15 * time.Second
)

// Config is everything a Server needs besides the MCP server itself. The zero
// value of every optional field means "use the default".
type Config struct {
	Transport Transport
	// RefuseMessage, when set, answers a JSON-RPC message before mcp-go
	// sees it (an invalid prompts/get: see MessageRefuser).
	RefuseMessage MessageRefuser
	// Arguments, when set, receives the arguments of each tools/call posted
	// to the streamable HTTP endpoint, for the tool handlers to take back
	// (tools.Catalog.ArgumentStash), so mcp-go does not decode them.
	Arguments *argstash.Stash
	// Addr is the host:port to listen on.
	Addr string
	// AuthToken, when set, must be presented by every MCP request as
	// "Authorization: Bearer <token>". Required for a non-loopback Addr.
	AuthToken string
	// TLSCertFile and TLSKeyFile enable HTTPS; both or neither.
	TLSCertFile string
	TLSKeyFile  string
	// AllowedOrigins widens the browser Origin check beyond same-origin:
	// each entry is "scheme://host[:port]", or "*" for any origin.
	AllowedOrigins []string
	// MaxBodyBytes caps a request body; larger requests get 413.
	MaxBodyBytes int64
	// ShutdownTimeout bounds the graceful drain on shutdown.
	ShutdownTimeout time.Duration
	// Logger receives transport logs. The auth token is never passed to it.
	Logger *slog.Logger

	// OAuth, when set, accepts OAuth access tokens (besides AuthToken, if
	// that is set too) and publishes the metadata clients discover the
	// authorization server by.
	OAuth *OAuth
	// RateLimit bounds each caller's tool calls; the zero value is none.
	RateLimit RateLimit
	// Metrics, when set, is served at /metrics (outside the auth guard, like
	// /healthz: it holds counts, never ids or secrets).
	Metrics http.Handler
	// Observer, when set, counts refused requests.
	Observer Observer
}

// Validate reports the first invalid or unsafe setting (for example a
// non-loopback address without a token), so a command line can be refused
// before anything starts.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults returns a copy of c with defaults filled in and its origins
// normalised, or an error naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Transport == "" {
		c.Transport = TransportHTTP
	}
	if c.Transport != TransportHTTP && c.Transport != TransportSSE {
		return c, fmt.Errorf("transport %q is not served over HTTP: use %q or %q", c.Transport, TransportHTTP, TransportSSE)
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBodyBytes < 0 {
		return c, fmt.Errorf("max body bytes must be positive, got %d", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return c, errors.New("TLS needs both a certificate file and a key file")
	}
	if strings.TrimSpace(c.AuthToken) != c.AuthToken {
		return c, errors.New("auth token must not start or end with whitespace")
	}
	origins, err := normaliseOrigins(c.AllowedOrigins)
	if err != nil {
		return c, err
	}
	c.AllowedOrigins = origins
	loopback, err := isLoopbackBind(c.Addr)
	if err != nil {
		return c, err
	}
	if !loopback && c.AuthToken == "" && c.OAuth == nil {
		return c, fmt.Errorf("refusing to listen on non-loopback address %q without an auth token or OAuth: set --auth-token (MESHES_MCP_TOKEN) or --oauth-issuer with --public-url, or bind 127.0.0.1", c.Addr)
	}
	if c.OAuth != nil {
		if c.OAuth, err = c.OAuth.withDefaults(); err != nil {
			return c, err
		}
	}
	if c.RateLimit.PerSecond < 0 || c.RateLimit.Burst < 0 {
		return c, errors.New("the rate limit and its burst must not be negative")
	}
	return c, nil
}

// isLoopbackBind reports whether addr can only be reached from this host.
// Hostnames other than "localhost" and an empty host ("all interfaces")
// count as exposed: resolving them could yield a public address.
func isLoopbackBind(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("address %q is not host:port: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false, nil
	}
	return ip.IsLoopback(), nil
}

// normaliseOrigins checks every allowed origin and reduces it to the form a
// browser sends in the Origin header (lower-case scheme://host[:port]).
func normaliseOrigins(origins []string) ([]string, error) {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			out = append(out, o)
			continue
		}
		n, ok := normaliseOrigin(o)
		if !ok {
			return nil, fmt.Errorf("allowed origin %q must be scheme://host[:port] with scheme http or https, or *", o)
		}
		out = append(out, n)
	}
	return out, nil
}

// normaliseOrigin parses an Origin value; ok is false for anything a browser
// would not send as a real origin (paths, "null", missing host).
func normaliseOrigin(origin string) (string, bool) {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	if u.Path != "" && u.Path != "/" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	return scheme + "://" + strings.ToLower(u.Host), true
}
