// Package meshesapi is the only code that speaks HTTP to Meshes: one shared,
// JWT-signing Client with a typed method per API operation, each declared
// once in operations.go (docs/meshes-api.md describes the API as used
// here). It validates and escapes every path argument, retries only where
// repeating cannot duplicate an effect, and reports every failure as typed
// facts (the operation, its ids, Meshes' scrubbed message, whether the
// outcome is unknown); package tools phrases them for a model.
package meshesapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"time"
)

// Client is the one shared, JWT-signing client every tool uses to reach
// Meshes. It is safe for concurrent use.
type Client struct {
	cfg    Config
	http   *http.Client
	tokens *tokenSource
	log    *slog.Logger
	scrub  *scrubber

	// Seams for tests: the clock (JWT claims, Retry-After dates) and the wait
	// between attempts.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// New validates cfg (see Config), applies defaults and returns a Client.
// Errors are *MissingCredentialsError or *ConfigError and name the variable
// to fix without echoing its value.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Tools fan out concurrent reads; the default of 2 idle connections
		// per host would churn TLS handshakes.
		t.MaxIdleConnsPerHost = 16
		hc.Transport = t
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:   cfg,
		http:  &hc,
		log:   logger,
		now:   time.Now,
		sleep: sleepContext,
	}
	c.tokens = newTokenSource(cfg, func() time.Time { return c.now() })
	c.scrub = newScrubber(cfg.SecretKey, c.tokens.signed)
	return c, nil
}

// HasPublishableKey reports whether ingestion authenticates with a
// publishable key, which implies the workspace: events may then omit it.
func (c *Client) HasPublishableKey() bool { return c.cfg.PublishableKey != "" }

// MaxRequestBytes is the largest request body the client sends; a larger one
// fails with *RequestTooLargeError. Callers that split work (send_events)
// pack their requests to fit it.
func (c *Client) MaxRequestBytes() int64 { return c.cfg.MaxRequestBytes }

// request describes one API call. path is relative to the API base and has
// already been validated and escaped by Operation.buildPath.
type request struct {
	op     *Operation
	ids    []string // values of op.IDs, in order
	method string
	path   string
	query  url.Values
	body   any
	// ingest sends the request to the ingestion base with the publishable
	// key when one is configured (else the machine JWT).
	ingest bool
	// status, when set, receives the HTTP status of a successful response
	// (bulk ingestion distinguishes 201 from 207).
	status *int
}

// operation names r for the Observer: method and path template, free of
// ids ("GET /events/{event_id}"). Every request reaches do through send,
// which sets op.
func (r request) operation() string { return r.op.Method + " " + r.op.Path }

// idempotent reports whether repeating r cannot duplicate an effect. Every
// POST of the API creates or triggers something; GET, PUT and DELETE do not
// compound.
func (r request) idempotent() bool { return r.method != http.MethodPost }

// encodeBody is a request body as the client sends it: JSON without the
// HTML escaping json.Marshal applies. Meshes is an API, not a web page, and
// escaping turns each <, > or & of a payload into six bytes, so a payload
// full of markup would weigh up to six times more against the request cap.
func encodeBody(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeTo(&b, v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// encodeTo writes v as a request body is encoded, followed by a newline.
func encodeTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// do sends r, retrying per the policy in retry.go, and decodes a successful
// JSON body into out.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		b, err := encodeBody(r.body)
		if err != nil {
			return fmt.Errorf("meshesapi: cannot encode the body of %s %s: %w", r.method, r.path, err)
		}
		if int64(len(b)) > c.cfg.MaxRequestBytes {
			return &RequestTooLargeError{Op: *r.op, Method: r.method, Path: r.path, Size: int64(len(b)), Limit: c.cfg.MaxRequestBytes}
		}
		body = b
	}
	target := c.cfg.APIURL + r.path
	if r.ingest {
		target = c.cfg.EventsURL + r.path
	}
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}

	// earlier is set once an attempt reached Meshes without a usable answer
	// (a 429 is a refusal, so it does not count): a later 404 on DELETE or
	// 409 on PUT may then be that attempt's doing.
	earlier := false
	for attempt := 1; ; attempt++ {
		started := time.Now()
		x, err := c.exchange(ctx, r, target, body)
		if err != nil {
			return err
		}
		if c.cfg.Observer != nil {
			c.cfg.Observer.ObserveRequest(r.operation(), x.status, attempt, time.Since(started))
		}
		if x.err == nil && x.status >= 200 && x.status < 300 {
			derr := c.decode(r, x, out)
			if !garbledRead(r, derr) || attempt >= c.attemptLimit(r) {
				return derr
			}
			// A read whose JSON arrived cut short or mangled met a
			// transport fault in disguise; reading again duplicates nothing.
			resetOutput(out)
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return fmt.Errorf("%w (stopped waiting to retry: %w)", derr, err)
			}
			continue
		}
		final := c.failure(r, x, attempt, earlier)
		wait, retry := c.nextWait(ctx, r, x, attempt)
		if !retry {
			return final
		}
		c.log.DebugContext(ctx, "retrying Meshes request", "method", r.method, "path", r.path,
			"attempt", attempt, "status", x.status, "wait", wait)
		reason := "no answer from Meshes"
		if x.err == nil {
			reason = fmt.Sprintf("Meshes answered %d", x.status)
		}
		notifyRetry(ctx, RetryNotice{Method: r.method, Path: r.path, Attempt: attempt,
			MaxAttempts: c.attemptLimit(r), Wait: wait, Reason: reason})
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%w (stopped waiting to retry: %w)", final, err)
		}
		earlier = earlier || (x.sent && x.status != http.StatusTooManyRequests)
	}
}

// garbledRead reports whether err is a GET's 2xx body that failed to decode
// as JSON: worth reading again, unlike a body that is too large or not JSON
// at all, which the same request would get again.
func garbledRead(r request, err error) bool {
	var re *ResponseError
	return r.method == http.MethodGet && errors.As(err, &re) && re.Err != nil
}

// resetOutput zeroes what a failed decode may have half-filled, so that a
// retried read cannot mix two answers.
func resetOutput(out any) {
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
}

// send performs op: ids are the values of op.IDs in order (the path
// parameters first, validated and escaped into the path), r holds the
// query and body, and a successful JSON answer is decoded into out.
func (c *Client) send(ctx context.Context, op *Operation, r request, out any, ids ...string) error {
	p, err := op.buildPath(ids)
	if err != nil {
		return err
	}
	r.op, r.ids, r.method, r.path, r.ingest = op, ids, op.Method, p, op.Ingest
	return c.do(ctx, r, out)
}

// call performs op and decodes the answer into a new T.
func call[T any](ctx context.Context, c *Client, op *Operation, r request, ids ...string) (*T, error) {
	var out T
	if err := c.send(ctx, op, r, &out, ids...); err != nil {
		return nil, err
	}
	return &out, nil
}

// getJSON performs a read with query q and decodes the body.
func getJSON[T any](ctx context.Context, c *Client, op *Operation, q url.Values, ids ...string) (*T, error) {
	return call[T](ctx, c, op, request{query: q}, ids...)
}
