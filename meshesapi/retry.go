package meshesapi

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry policy. Idempotent requests (GET, PUT, DELETE) are retried on 429,
// 500, 502, 503, 504 and on connection failures, timeouts included. A POST is
// retried only on 429 (Meshes refused it unprocessed) or when it provably
// never left (no connection obtained): a timeout, a broken connection or a
// 5xx may hide an accepted event, and resending would duplicate it.

// nextWait decides whether the failed attempt x is retried and how long to
// wait first.
func (c *Client) nextWait(ctx context.Context, r request, x exchange, attempt int) (time.Duration, bool) {
	if attempt >= c.attemptLimit(r) || ctx.Err() != nil || !retryable(r, x) {
		return 0, false
	}
	wait := c.backoff(attempt)
	if x.err == nil {
		if ra, ok := parseRetryAfter(x.retryAfter, c.now()); ok {
			// A wait longer than the cap goes back to the caller, who can
			// tell the user; the error carries it.
			if ra > c.cfg.Retry.MaxRetryAfter {
				return 0, false
			}
			wait = ra
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false
	}
	return wait, true
}

// attemptLimit is the retry budget of r: reads may try longer than writes.
func (c *Client) attemptLimit(r request) int {
	if r.method == http.MethodGet {
		return c.cfg.Retry.MaxReadAttempts
	}
	return c.cfg.Retry.MaxAttempts
}

func retryable(r request, x exchange) bool {
	switch {
	case x.canceled || x.certificate:
		return false
	case x.err != nil:
		return r.idempotent() || (!x.sent && !x.timedOut)
	case x.status == http.StatusTooManyRequests:
		return true
	case x.status == http.StatusInternalServerError, x.status == http.StatusBadGateway,
		x.status == http.StatusServiceUnavailable, x.status == http.StatusGatewayTimeout:
		return r.idempotent()
	}
	return false
}

// backoff is exponential with full jitter: uniform in
// [0, min(MaxDelay, BaseDelay·2^(attempt-1))], so that clients that failed
// together do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	p := c.cfg.Retry
	ceiling := p.MaxDelay
	if shift := attempt - 1; shift < 32 {
		if d := p.BaseDelay << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// maxRetryAfterSeconds keeps an absurd Retry-After from overflowing a Duration.
const maxRetryAfterSeconds = 1 << 31

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// sleepContext waits d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
