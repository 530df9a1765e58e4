package meshesapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
)

// maxErrorBodyBytes bounds what is read of a non-2xx body: only its message
// and field details are used.
const maxErrorBodyBytes = 64 << 10

// exchange is what one HTTP attempt produced.
type exchange struct {
	status      int
	contentType string
	retryAfter  string
	body        []byte
	tooLarge    bool
	// err is a transport failure (status 0) or a failure while reading the
	// body of a response (status set).
	err      error
	sent     bool // a connection was obtained, so Meshes may have seen the request
	timedOut bool // the attempt's timeout or the caller's deadline passed
	canceled bool // the caller cancelled
	// callDeadline: it was the caller's deadline, not the attempt's timeout.
	callDeadline bool
	// certificate marks a TLS verification failure, which no retry fixes.
	certificate bool
}

// exchange performs one attempt within the per-attempt timeout. The returned
// error is not an HTTP outcome but a failure to build the request at all.
func (c *Client) exchange(ctx context.Context, r request, target string, body []byte) (exchange, error) {
	var x exchange
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	// A dial error before any connection was obtained proves the request
	// never left this process; that is the only failure after which a POST
	// may be resent. Both are required, so that a custom RoundTripper that
	// never reports GotConn cannot make a sent request look unsent.
	var gotConn atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) }}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(actx, trace), r.method, target, rd)
	if err != nil {
		return x, fmt.Errorf("meshesapi: cannot build %s %s: %w", r.method, r.path, err)
	}
	if err := c.setHeaders(req, r, body != nil); err != nil {
		return x, err
	}

	resp, err := c.http.Do(req)
	if err != nil {
		x.sent = gotConn.Load() || !isDialError(err)
		c.classify(ctx, actx, &x, err)
		return x, nil
	}
	x.sent = true
	defer resp.Body.Close()
	x.status = resp.StatusCode
	x.contentType = resp.Header.Get("Content-Type")
	x.retryAfter = resp.Header.Get("Retry-After")

	limit := int64(maxErrorBodyBytes)
	if x.status >= 200 && x.status < 300 {
		limit = c.cfg.MaxResponseBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		c.classify(ctx, actx, &x, err)
		return x, nil
	}
	if int64(len(data)) > limit {
		data, x.tooLarge = data[:limit], true
	}
	if x.status >= 200 && x.status < 300 {
		// A 2xx body reaches results whole; error bodies are scrubbed
		// field by field when parsed.
		data = c.scrub.body(data)
	}
	x.body = data
	return x, nil
}

// setHeaders authenticates r: the publishable key on ingestion when one is
// configured (never both credentials, docs/meshes-api.md §17 q11), else a machine JWT.
func (c *Client) setHeaders(req *http.Request, r request, hasBody bool) error {
	h := req.Header
	h.Set("Accept", "application/json")
	if hasBody {
		h.Set("Content-Type", "application/json")
	}
	h.Set("User-Agent", c.cfg.UserAgent)
	h.Set("X-Meshes-Client", c.cfg.UserAgent)
	if id := RequestID(req.Context()); id != "" {
		h.Set("X-Request-Id", id)
	}
	if r.ingest && c.cfg.PublishableKey != "" {
		h.Set("X-Meshes-Publishable-Key", c.cfg.PublishableKey)
		return nil
	}
	tok, err := c.tokens.token()
	if err != nil {
		return fmt.Errorf("meshesapi: cannot sign the machine token: %w", err)
	}
	h.Set("Authorization", "Bearer "+tok)
	return nil
}

// isDialError reports a failure to connect (refused, unreachable, DNS),
// which happens before a single byte of the request is written.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// classify records why an attempt failed without a complete answer.
func (c *Client) classify(ctx, actx context.Context, x *exchange, err error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is already in the error's method and path
	}
	var ne net.Error
	var cert *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		x.err = ctx.Err()
		x.canceled = errors.Is(ctx.Err(), context.Canceled)
		x.timedOut = !x.canceled
		x.callDeadline = x.timedOut
	case actx.Err() != nil:
		x.err, x.timedOut = context.DeadlineExceeded, true
	case errors.As(err, &ne) && ne.Timeout():
		x.err, x.timedOut = err, true
	default:
		x.err = err
		x.certificate = errors.As(err, &cert)
	}
}

// decode turns a 2xx exchange into out. An empty body is success with
// nothing to decode; only JSON bodies are decoded (docs/meshes-api.md §4.1).
func (c *Client) decode(r request, x exchange, out any) error {
	fail := func(problem string, err error) *ResponseError {
		return &ResponseError{Op: *r.op, Method: r.method, Path: r.path, Status: x.status,
			Problem: c.scrub.clean(problem), Ingest: r.ingest, Err: err}
	}
	if x.tooLarge {
		return fail(fmt.Sprintf("the response is larger than %d bytes", c.cfg.MaxResponseBytes), nil)
	}
	if out != nil && len(bytes.TrimSpace(x.body)) > 0 {
		if mt, ok := mediaType(x.contentType); !ok {
			e := fail(fmt.Sprintf("the body is %s, not JSON", mt), nil)
			e.NotJSON = true
			return e
		}
		if err := json.Unmarshal(x.body, out); err != nil {
			return fail("its JSON body could not be decoded ("+err.Error()+")", err)
		}
	}
	if created, ok := out.(creation); ok && r.method == http.MethodPost {
		if missing := created.missing(); missing != "" {
			return fail("its body has no "+missing+", so what it created or triggered is not known", nil)
		}
	}
	if r.status != nil {
		*r.status = x.status
	}
	return nil
}

// creation is the decoded answer to a POST that creates or triggers
// something. missing names what a well-formed answer must carry and this
// one lacks (the new object's id), or is empty. A 2xx answer without it
// (an empty body, {}, null) is not a success with an empty id: the request
// may well have taken effect, so it is reported as an unknown outcome
// (*ResponseError) with the advice to check before resending.
type creation interface{ missing() string }

// mediaType reports the response's media type and whether it may be
// decoded as JSON; a missing Content-Type is given the benefit of the doubt.
func mediaType(contentType string) (string, bool) {
	if contentType == "" {
		return "", true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "an unparseable content type", false
	}
	return mt, mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// failure describes a final, unsuccessful attempt.
func (c *Client) failure(r request, x exchange, attempts int, earlier bool) error {
	if x.err != nil {
		e := &NetworkError{Op: *r.op, Objects: r.op.Objects(r.ids...), Method: r.method, Path: r.path, Timeout: x.timedOut, Canceled: x.canceled,
			Sent: x.sent, Status: x.status, Attempts: attempts, Err: x.err, Ingest: r.ingest,
			detail: c.scrub.clean(x.err.Error())}
		if errors.Is(x.err, context.DeadlineExceeded) && !x.canceled && !x.callDeadline {
			e.TimeoutAfter = c.cfg.Timeout
		}
		return e
	}
	e := &APIError{Status: x.status, Op: *r.op, Objects: r.op.Objects(r.ids...), Method: r.method, Path: r.path, Attempts: attempts,
		Ingest: r.ingest, PublishableKey: r.ingest && c.cfg.PublishableKey != "", EarlierAttempt: earlier}
	e.RetryAfter, _ = parseRetryAfter(x.retryAfter, c.now())
	e.Message, e.Details = c.parseErrorBody(x.contentType, x.body)
	return e
}

// Error body limits: enough for a model to act on, never a page of HTML.
const (
	maxMessageRunes = 300
	maxDetailRunes  = 120
	maxDetails      = 10
)

// parseErrorBody reads Meshes' error shape {message, error: {name, message,
// data: [{param, msg}]}} (docs/meshes-api.md §4.5), tolerating any other body.
func (c *Client) parseErrorBody(contentType string, body []byte) (string, []FieldError) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", nil
	}
	var parsed struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if mt, ok := mediaType(contentType); !ok || json.Unmarshal(body, &parsed) != nil {
		if mt == "text/html" {
			return "", nil // an HTML error page says nothing a model can use
		}
		return c.scrub.truncate(string(body), maxMessageRunes), nil
	}
	msg := parsed.Message
	var inner struct {
		Message string       `json:"message"`
		Data    []FieldError `json:"data"`
	}
	var innerText string
	switch {
	case json.Unmarshal(parsed.Error, &inner) == nil:
		innerText = inner.Message
	case json.Unmarshal(parsed.Error, &innerText) == nil:
	}
	if innerText != "" && !sameText(innerText, msg) && !restatesDetails(innerText, inner.Data) {
		if msg == "" {
			msg = innerText
		} else {
			msg += ": " + innerText
		}
	}
	var details []FieldError
	for i, d := range inner.Data {
		if i == maxDetails {
			details = append(details, FieldError{Param: "…", Msg: fmt.Sprintf("%d more", len(inner.Data)-maxDetails)})
			break
		}
		details = append(details, FieldError{Param: c.scrub.truncate(d.Param, maxDetailRunes), Msg: c.scrub.truncate(d.Msg, maxDetailRunes)})
	}
	return c.scrub.truncate(msg, maxMessageRunes), details
}

func sameText(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }

// restatesDetails reports whether text only repeats the field details, which
// some servers put in error.message too.
func restatesDetails(text string, details []FieldError) bool {
	parts := make([]string, len(details))
	for i, d := range details {
		parts[i] = d.Param + ": " + d.Msg
	}
	return len(details) > 0 && (sameText(text, strings.Join(parts, "; ")) || sameText(text, strings.Join(parts, ", ")))
}
