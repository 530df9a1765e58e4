package meshesapi

import (
	"context"
	"time"
)

// RetryNotice describes a retry the client is about to wait for: attempt
// Attempt of at most MaxAttempts failed for Reason, and the next starts
// after Wait.
type RetryNotice struct {
	Method, Path string
	Attempt      int
	MaxAttempts  int
	Wait         time.Duration
	Reason       string
}

type retryNoticeKey struct{}

// WithRetryNotice returns a context whose requests call notify before each
// retry, so that a caller can tell its own client why a call takes long.
func WithRetryNotice(ctx context.Context, notify func(RetryNotice)) context.Context {
	return context.WithValue(ctx, retryNoticeKey{}, notify)
}

func notifyRetry(ctx context.Context, n RetryNotice) {
	if notify, ok := ctx.Value(retryNoticeKey{}).(func(RetryNotice)); ok {
		notify(n)
	}
}
