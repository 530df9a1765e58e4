package sandbox

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Credentials are one Meshes machine key: the JWT kid/iss come from
// AccessKey, the HMAC secret is SecretKey, and OrgID is the organisation
// every request acts on. The sandbox serves exactly one organisation.
type Credentials struct {
	AccessKey string
	SecretKey string
	OrgID     string
}

// GenerateCredentials returns a fresh machine key in the formats the
// official clients validate (docs/meshes-api.md §3.4): an access key "mk_" + 24 url-safe
// characters, a 43-character url-safe secret and a v4 organisation UUID.
func GenerateCredentials() Credentials {
	return Credentials{
		AccessKey: "mk_" + randomURLSafe(18),
		SecretKey: randomURLSafe(32),
		OrgID:     newUUID(),
	}
}

// Default tuning. The backoff is short on purpose: a sandbox user watching a
// failing delivery should see it settle within seconds, not minutes.
var defaultBackoff = []time.Duration{200 * time.Millisecond, time.Second, 3 * time.Second}

const (
	defaultWebhookTimeout = 5 * time.Second
	defaultWorkers        = 8
	// clockSkew is the leeway allowed on JWT exp/iat; Meshes does not
	// document one (docs/meshes-api.md §17 q13), 5 s tolerates ordinary drift between hosts.
	clockSkew = 5 * time.Second
)

// Options configure a Server. The zero value is usable: it generates
// credentials, starts empty and uses the default timings.
type Options struct {
	// Credentials is the one machine key the server accepts. Empty fields
	// are filled by GenerateCredentials. OrgID must be a UUID for tokens to
	// verify (docs/meshes-api.md §3.1 rejects a non-UUID org claim).
	Credentials
	// Addr is where Start listens; default 127.0.0.1:0.
	Addr string
	// Seed populates a demo organisation (see seed.go).
	Seed bool
	// Backoff is the wait before each automatic retry of a failed delivery.
	// nil means the default (200ms, 1s, 3s); an empty non-nil slice means
	// no automatic retries.
	Backoff []time.Duration
	// WebhookTimeout bounds one webhook request; default 5s.
	WebhookTimeout time.Duration
	// Workers is the number of delivery goroutines; default 8.
	Workers int
	// Now is the clock for timestamps, JWT validation and session expiry
	// (tests inject one). Worker timing always uses the real clock, so a
	// frozen Now never stalls deliveries.
	Now func() time.Time
	// Logger receives request and delivery logs; default discards.
	Logger *slog.Logger
	// DeliverTo, when set, says which webhook URLs are really requested;
	// a webhook to any other URL is simulated (recorded as a delivered
	// attempt whose message says nothing was sent), so that an agent cannot
	// aim the sandbox at arbitrary ports of the user's machine. nil
	// delivers every webhook for real. AllowTargets builds one from a
	// host:port list.
	DeliverTo func(url string) bool
	// OnRequest, when set, is called with every incoming request before it
	// is handled (a test hook for asserting on client headers).
	OnRequest func(*http.Request)
}

func (o Options) withDefaults() Options {
	if o.AccessKey == "" || o.SecretKey == "" || o.OrgID == "" {
		gen := GenerateCredentials()
		if o.AccessKey == "" {
			o.AccessKey = gen.AccessKey
		}
		if o.SecretKey == "" {
			o.SecretKey = gen.SecretKey
		}
		if o.OrgID == "" {
			o.OrgID = gen.OrgID
		}
	}
	// JWT org claims compare case-insensitively; store one spelling.
	o.OrgID = strings.ToLower(o.OrgID)
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = defaultWebhookTimeout
	}
	if o.Workers <= 0 {
		o.Workers = defaultWorkers
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
