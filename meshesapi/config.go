package meshesapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Production endpoints (docs/meshes-api.md §2). Events default to the ingestion host
// only while the API is the production one, so that a staging or sandbox
// setup never emits into production.
const (
	DefaultAPIURL    = "https://api.meshes.io/api/v1"
	DefaultEventsURL = "https://events.meshes.io/api/v1"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxAttempts      = 4
	DefaultBaseDelay        = 250 * time.Millisecond
	DefaultMaxDelay         = 4 * time.Second
	DefaultMaxRetryAfter    = 10 * time.Second
	DefaultMaxResponseBytes = 8 << 20
	DefaultUserAgent        = "meshes-mcp"
)

// DefaultMaxRequestBytes caps a request body. Meshes publishes no
// size limit for Meshes, so this is our choice: 4 MiB is what the sandbox
// and the MCP HTTP transport accept, and a body over it is refused here,
// before anything is sent, rather than sent to be refused with a 413 (or,
// worse, to time out half-uploaded, leaving a POST's outcome unknown).
const DefaultMaxRequestBytes = 4 << 20

// minMaxRequestBytes is the smallest cap MESHES_MAX_REQUEST_BYTES may set:
// below it no realistic event fits, so a smaller value is a unit slip
// ("4" meant as 4 MiB) rather than a wish.
const minMaxRequestBytes = 1 << 10

// Config holds everything a Client needs. LoadConfig fills it from the
// environment and the credentials file; New validates it, normalises the URLs
// and applies defaults, so a hand-built Config gets the same checks.
//
// Config formats itself (fmt, slog) with the secret key redacted, so logging
// it cannot leak the secret.
type Config struct {
	AccessKey string
	SecretKey string
	OrgID     string
	// APIURL is the management base; "" means DefaultAPIURL. "/api/v1" is
	// appended unless the URL already ends in /api/v<N>.
	APIURL string
	// EventsURL is the ingestion base; "" means DefaultEventsURL when APIURL
	// is the default, else APIURL.
	EventsURL string
	// PublishableKey, when set, authenticates ingestion (POST /events and
	// /events/bulk) instead of the machine JWT; its workspace is implied.
	PublishableKey string

	// Timeout bounds each HTTP attempt, from sending to the last body byte.
	// The caller's context bounds the whole call including retries.
	Timeout time.Duration
	Retry   RetryPolicy
	// MaxResponseBytes caps how much of a response body is read.
	MaxResponseBytes int64
	// MaxRequestBytes caps the encoded body of a request; 0 means
	// DefaultMaxRequestBytes. A larger request fails with a
	// *RequestTooLargeError and never leaves the process.
	MaxRequestBytes int64
	// UserAgent is sent as User-Agent and X-Meshes-Client, e.g. "meshes-mcp/1.2.0".
	UserAgent string
	// HTTPClient carries requests; nil means a dedicated client. Its redirect
	// policy is overridden: a redirect is reported, never followed, so that a
	// misconfigured URL cannot silently replay a POST elsewhere.
	HTTPClient *http.Client
	// Logger receives one debug record per retry; nil discards.
	Logger *slog.Logger
	// Observer, when set, is told of every HTTP attempt (metrics).
	Observer Observer
}

// RetryPolicy bounds automatic retries. Zero fields take the defaults;
// MaxAttempts and MaxReadAttempts both 1 disable retries.
type RetryPolicy struct {
	// MaxAttempts counts every attempt of a PUT, DELETE or POST, the first
	// included.
	MaxAttempts int
	// MaxReadAttempts counts every attempt of a GET; zero means twice
	// MaxAttempts. A read cannot duplicate an effect, so a longer budget
	// costs only latency, and it is what keeps reads working through a
	// flaky network (at a 30% fault rate, 8 attempts fail 1 read in 15,000).
	MaxReadAttempts int
	// BaseDelay and MaxDelay shape the exponential backoff with full jitter:
	// attempt n waits a random time in [0, min(MaxDelay, BaseDelay·2^(n-1))].
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits out itself; a
	// longer one is returned at once, with the wait in the error.
	MaxRetryAfter time.Duration
}

// Credential formats of the official @mesheshq/api client (docs/meshes-api.md §3.4).
// Enforcing them is deliberate: Meshes issues keys in these shapes (its own
// client refuses anything else), so a mismatch means a truncated paste or
// swapped variables, which would otherwise surface later as an opaque 401.
var (
	orgIDPattern     = lazyregexp.New(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	accessKeyPattern = lazyregexp.New(`^mk_[A-Za-z0-9_-]{22,}$`)
	secretKeyPattern = lazyregexp.New(`^[A-Za-z0-9_-]{43,}$`)
	// The publishable-key format is not settled (docs/meshes-api.md §17 q12), so only
	// what could break a header is refused: visible ASCII, no spaces.
	publishableKeyPattern = lazyregexp.New(`^[\x21-\x7e]+$`)
	apiVersionSuffix      = lazyregexp.New(`/api/v[0-9]+$`)
)

// Environment variable names, compatible with the official Meshes MCP server.
const (
	EnvAccessKey       = "MESHES_ACCESS_KEY"
	EnvSecretKey       = "MESHES_SECRET_KEY"
	EnvOrgID           = "MESHES_ORG_ID"
	EnvOrgIDAlias      = "MESHES_ORGANIZATION_ID"
	EnvAPIURL          = "MESHES_API_URL"
	EnvEventsURL       = "MESHES_EVENTS_URL"
	EnvPublishableKey  = "MESHES_PUBLISHABLE_KEY"
	EnvCredentialsFile = "MESHES_CREDENTIALS_FILE"
	EnvMaxRequestBytes = "MESHES_MAX_REQUEST_BYTES"
)

// normalized returns cfg validated, with URLs normalised and defaults set.
// It is idempotent, so LoadConfig and New may both apply it.
func (cfg Config) normalized() (Config, error) {
	cfg.AccessKey = strings.TrimSpace(cfg.AccessKey)
	cfg.SecretKey = strings.TrimSpace(cfg.SecretKey)
	cfg.OrgID = strings.TrimSpace(cfg.OrgID)
	cfg.PublishableKey = strings.TrimSpace(cfg.PublishableKey)

	var missing []string
	for _, f := range []struct{ name, value string }{
		{EnvAccessKey, cfg.AccessKey}, {EnvSecretKey, cfg.SecretKey}, {EnvOrgID, cfg.OrgID},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return cfg, &MissingCredentialsError{Variables: missing}
	}
	checks := []struct {
		name, value string
		ok          bool
		rule        string
	}{
		{EnvAccessKey, cfg.AccessKey, accessKeyPattern.MatchString(cfg.AccessKey),
			"must be \"mk_\" followed by at least 22 letters, digits, '_' or '-'"},
		{EnvSecretKey, cfg.SecretKey, secretKeyPattern.MatchString(cfg.SecretKey),
			"must be at least 43 letters, digits, '_' or '-'"},
		{EnvOrgID, cfg.OrgID, orgIDPattern.MatchString(cfg.OrgID),
			"must be the organization UUID, e.g. 123e4567-e89b-42d3-a456-426614174000"},
		{EnvPublishableKey, cfg.PublishableKey, cfg.PublishableKey == "" || publishableKeyPattern.MatchString(cfg.PublishableKey),
			"must be printable ASCII without spaces"},
	}
	for _, c := range checks {
		if !c.ok {
			return cfg, &ConfigError{Variable: c.name, Problem: "is malformed: it " + c.rule + " (check for a truncated, quoted or swapped value)"}
		}
	}

	var err error
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.APIURL, err = normalizeBaseURL(EnvAPIURL, cfg.APIURL); err != nil {
		return cfg, err
	}
	switch {
	case cfg.EventsURL != "":
		if cfg.EventsURL, err = normalizeBaseURL(EnvEventsURL, cfg.EventsURL); err != nil {
			return cfg, err
		}
	case cfg.APIURL == DefaultAPIURL:
		cfg.EventsURL = DefaultEventsURL
	default:
		cfg.EventsURL = cfg.APIURL
	}

	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	cfg.Retry = cfg.Retry.withDefaults()
	return cfg, nil
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.MaxReadAttempts <= 0 {
		p.MaxReadAttempts = 2 * p.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// normalizeBaseURL strips trailing slashes and appends /api/v1 unless the
// path already ends in /api/v<N>, like the official MCP server (docs/meshes-api.md §2).
// The value is never echoed: a URL may carry a token someone pasted into it.
func normalizeBaseURL(variable, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &ConfigError{Variable: variable, Problem: "must be an http(s) URL such as https://api.meshes.io"}
	}
	if u.User != nil {
		return "", &ConfigError{Variable: variable, Problem: "must not contain a user name or password"}
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", &ConfigError{Variable: variable, Problem: "must not contain a query or fragment"}
	}
	p := strings.TrimRight(u.Path, "/")
	if !apiVersionSuffix.MatchString(p) {
		p += "/api/v1"
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// String redacts the secret key so that printing a Config cannot leak it.
func (cfg Config) String() string {
	return fmt.Sprintf("meshesapi.Config{AccessKey:%q OrgID:%q APIURL:%q EventsURL:%q PublishableKey:%q SecretKey:%s}",
		cfg.AccessKey, cfg.OrgID, cfg.APIURL, cfg.EventsURL, cfg.PublishableKey, redactedMark(cfg.SecretKey))
}

// GoString makes %#v redact the secret too.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue makes slog print the Config with the secret redacted.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key", cfg.AccessKey),
		slog.String("secret_key", redactedMark(cfg.SecretKey)),
		slog.String("org_id", cfg.OrgID),
		slog.String("api_url", cfg.APIURL),
		slog.String("events_url", cfg.EventsURL),
		slog.Bool("publishable_key", cfg.PublishableKey != ""),
	)
}

func redactedMark(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}
