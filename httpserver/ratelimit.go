package httpserver

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit bounds the tool calls of each caller (OAuth subject, the
// static-token holder, or a peer address) with a token bucket, so that one
// runaway agent cannot spend the organisation's Meshes quota. The buckets
// live in each replica: behind a load balancer of n replicas a caller may
// get up to n times the rate.
type RateLimit struct {
	// PerSecond is the sustained rate of tool calls; 0 disables limiting.
	PerSecond float64
	// Burst is how many calls may come at once; 0 means max(1, PerSecond).
	Burst int
}

// limiterIdle is how long an unused bucket is kept; a bucket idle that long
// is full again anyway, so forgetting it changes nothing.
const limiterIdle = 10 * time.Minute

type callerLimiter struct {
	cfg RateLimit

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newCallerLimiter(cfg RateLimit) *callerLimiter {
	if cfg.PerSecond <= 0 {
		return nil
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.PerSecond))
	}
	return &callerLimiter{cfg: cfg, buckets: map[string]*bucket{}, lastSweep: time.Now()}
}

// take spends n tokens of subject's bucket, or reports how long until it
// could.
func (l *callerLimiter) take(subject string, n int) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.lastSweep) > limiterIdle {
		for k, b := range l.buckets {
			if now.Sub(b.used) > limiterIdle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[subject]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.buckets[subject] = b
	}
	b.used = now
	l.mu.Unlock()

	if n > l.cfg.Burst {
		// More calls in one batch than the bucket holds: never allowed,
		// so say how long a full bucket takes.
		return time.Duration(float64(l.cfg.Burst) / l.cfg.PerSecond * float64(time.Second)), false
	}
	res := b.lim.ReserveN(now, n)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

func (l *callerLimiter) describe() string {
	return fmt.Sprintf("%g tool calls per second (bursts of %d)", l.cfg.PerSecond, l.cfg.Burst)
}
