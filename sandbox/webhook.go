package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Webhook connections are delivered over real HTTP. Connection metadata
// keys (docs/meshes-api.md §13.2 and §17 q25 leave them unpublished; these are the sandbox's):
//
//	url                 destination; https://, or http:// to a loopback host
//	http_method         POST (default) | PUT | PATCH
//	payload_mode        wrapped (default) | raw
//	auth_scheme         none (default) | basic | bearer | header
//	auth_username       basic: user name
//	auth_password       basic: password
//	auth_token          bearer: token, sent as "Authorization: Bearer <token>"
//	auth_header_name    header: custom header name
//	auth_header_value   header: its value
//	headers             up to 5 static headers {"Name": "value"}
//	signing_secret      when set, the body is signed with HMAC
//	signing_algorithm   sha256 (default) | sha512
//	signature_header    header carrying the signature, default X-Meshes-Signature
//
// The signature is "<algorithm>=<lowercase hex HMAC of the exact body>",
// e.g. "sha256=5d41…" (the encoding is unpublished; this is the common
// GitHub-style form).
//
// Wrapped bodies are {uuid, event, resource, resource_id, payload,
// time_created, time_sent} with times in epoch milliseconds (docs/meshes-api.md §15); raw
// bodies are the payload alone. Every request, in both modes, carries:
//
//	X-Meshes-Event-Id      event id (the wrapped "uuid")
//	X-Meshes-Event         event name
//	X-Meshes-Resource      resource
//	X-Meshes-Resource-Id   resource id (when set)
//	X-Meshes-Time-Created  event creation, epoch ms
//	X-Meshes-Time-Sent     this attempt, epoch ms
//	X-Meshes-Delivery-Id   rule_event id (stable across retries: dedupe on it)
//	X-Meshes-Attempt       attempt number, from 1
//
// Any 2xx or 3xx answer is delivered (redirects are not followed); every
// other outcome is retried with backoff (docs/meshes-api.md §15).

const (
	defaultSignatureHeader = "X-Meshes-Signature"
	webhookUserAgent       = "Meshes-Sandbox-Webhook/1.0"
	// messageExcerpt bounds the response text quoted in last_error;
	// capturedBody bounds what response-details keeps.
	messageExcerpt = 200
	capturedBody   = 2048
)

func newWebhookClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func (s *Server) deliverWebhook(ctx context.Context, d delivery) outcome {
	md := d.conn.Metadata
	target, _ := stringValue(md, "url")
	// The seed's dead endpoint stays real, so the demo data fails as told.
	if s.opts.DeliverTo != nil && target != seedWebhookURL && !s.opts.DeliverTo(target) {
		return simulatedWebhook(target)
	}
	method := strings.ToUpper(metaString(md, "http_method", http.MethodPost))
	sent := s.now()
	body, err := webhookBody(d, strings.ToLower(metaString(md, "payload_mode", "wrapped")), sent.UnixMilli())
	if err != nil {
		return outcome{code: outcomeInternalError, message: "could not encode the webhook body: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return outcome{code: outcomeInternalError, message: "invalid webhook request: " + err.Error()}
	}
	setWebhookHeaders(req, d, sent.UnixMilli())
	if secret, ok := stringValue(md, "signing_secret"); ok {
		algo := strings.ToLower(metaString(md, "signing_algorithm", "sha256"))
		req.Header.Set(metaString(md, "signature_header", defaultSignatureHeader), sign(algo, secret, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return s.webhookError(err, method, target)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, capturedBody+1))
	captured := captureResponse(resp, raw)
	msg := fmt.Sprintf("webhook responded %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return outcome{delivered: true, code: outcomeDelivered, response: captured, message: msg}
	}
	if excerpt := excerpt(raw, messageExcerpt); excerpt != "" {
		msg += ": " + excerpt
	}
	return outcome{retryable: true, code: statusOutcome(resp.StatusCode), message: msg, response: captured}
}

// simulatedWebhook is the attempt recorded for a webhook whose target the
// user has not allowed: nothing is sent, and the message says how to allow it.
func simulatedWebhook(target string) outcome {
	return outcome{delivered: true, code: outcomeDelivered,
		message:  fmt.Sprintf("simulated: nothing was sent to %s; the sandbox makes real webhook requests only to its own demo receiver and the host:port targets listed in --sandbox-deliver-to or MESHES_SANDBOX_DELIVER_TO", hostPort(target)),
		response: cannedResponse(http.StatusOK, `{"simulated":true}`)}
}

// AllowTargets returns a DeliverTo that allows webhook URLs whose host and
// port (80 or 443 when the URL names none) are one of hostPorts' entries,
// compared case-insensitively.
func AllowTargets(hostPorts []string) func(url string) bool {
	allowed := map[string]bool{}
	for _, hp := range hostPorts {
		allowed[strings.ToLower(hp)] = true
	}
	return func(target string) bool { return allowed[hostPort(target)] }
}

// hostPort is target's lowercased host:port, with the scheme's default port
// filled in, or "" when target is not an http(s) URL.
func hostPort(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	switch {
	case port != "":
	case u.Scheme == "https":
		port = "443"
	case u.Scheme == "http":
		port = "80"
	default:
		return ""
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

func metaString(md map[string]any, key, def string) string {
	if v, ok := stringValue(md, key); ok {
		return v
	}
	return def
}

func webhookBody(d delivery, mode string, sentMs int64) ([]byte, error) {
	if mode == "raw" {
		return json.Marshal(d.payload)
	}
	return json.Marshal(map[string]any{"uuid": d.eventID, "event": d.eventName, "resource": d.resource,
		"resource_id": d.resourceID, "payload": d.payload, "time_created": d.createdAt.UnixMilli(), "time_sent": sentMs})
}

func setWebhookHeaders(req *http.Request, d delivery, sentMs int64) {
	h := req.Header
	md := d.conn.Metadata
	if custom, ok := md["headers"].(map[string]any); ok {
		for name, v := range custom {
			if s, ok := v.(string); ok {
				h.Set(name, s)
			}
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", webhookUserAgent)
	h.Set("X-Meshes-Event-Id", d.eventID)
	h.Set("X-Meshes-Event", d.eventName)
	h.Set("X-Meshes-Resource", d.resource)
	if d.resourceID != "" {
		h.Set("X-Meshes-Resource-Id", d.resourceID)
	}
	h.Set("X-Meshes-Time-Created", strconv.FormatInt(d.createdAt.UnixMilli(), 10))
	h.Set("X-Meshes-Time-Sent", strconv.FormatInt(sentMs, 10))
	h.Set("X-Meshes-Delivery-Id", d.ruleEventID)
	h.Set("X-Meshes-Attempt", strconv.Itoa(d.attempt.AttemptNumber))
	switch strings.ToLower(metaString(md, "auth_scheme", "none")) {
	case "basic":
		req.SetBasicAuth(metaString(md, "auth_username", ""), metaString(md, "auth_password", ""))
	case "bearer":
		h.Set("Authorization", "Bearer "+metaString(md, "auth_token", ""))
	case "header":
		h.Set(metaString(md, "auth_header_name", ""), metaString(md, "auth_header_value", ""))
	}
}

// sign returns the signature header value for body.
func sign(algo, secret string, body []byte) string {
	newHash := sha256.New
	if algo == "sha512" {
		newHash = sha512.New
	}
	mac := hmac.New(newHash, []byte(secret))
	mac.Write(body)
	return algo + "=" + hex.EncodeToString(mac.Sum(nil))
}

// webhookError turns a transport failure into a message a user can act on.
func (s *Server) webhookError(err error, method, target string) outcome {
	var netErr net.Error
	switch {
	case s.ctx.Err() != nil:
		return outcome{code: outcomeInternalError, message: shutdownMessage}
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return outcome{retryable: true, code: outcomeTimeout,
			message: fmt.Sprintf("webhook request timed out after %s", s.opts.WebhookTimeout)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return outcome{retryable: true, code: outcomeNetworkError,
			message: fmt.Sprintf("webhook connection refused: %s %s (nothing is listening there)", method, redactURL(target))}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // drop the URL, which may carry credentials
	}
	return outcome{retryable: true, code: outcomeNetworkError, message: "webhook request failed: " + err.Error()}
}

// redactURL drops userinfo and query from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func statusOutcome(code int) string {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return outcomeAuthFailed
	case code == http.StatusTooManyRequests:
		return outcomeRateLimited
	case code >= 500:
		return outcomeServerError
	default:
		return outcomeClientError
	}
}

func captureResponse(resp *http.Response, raw []byte) *capturedResponse {
	c := &capturedResponse{StatusCode: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode), Headers: map[string]string{}}
	for _, name := range []string{"Content-Type", "Content-Length", "Retry-After", "Location"} {
		if v := resp.Header.Get(name); v != "" {
			c.Headers[strings.ToLower(name)] = v
		}
	}
	c.BodyTruncated = len(raw) > capturedBody
	c.Body = excerpt(raw, capturedBody)
	return c
}

// excerpt returns at most n bytes of b as trimmed, valid UTF-8.
func excerpt(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), "�"))
}
