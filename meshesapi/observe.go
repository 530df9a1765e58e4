package meshesapi

import (
	"context"
	"time"
)

// Observer learns of every HTTP attempt the client makes, so that an
// operator's metrics can count upstream traffic without this package
// depending on a metrics library. Implementations must be safe for
// concurrent use and quick: they run on the request path.
type Observer interface {
	// ObserveRequest reports one finished attempt. operation is the method
	// and path template ("GET /events/{event_id}"), never a concrete id;
	// status is the HTTP status, or 0 when no response arrived; attempt
	// counts from 1, so attempt > 1 is a retry.
	ObserveRequest(operation string, status, attempt int, took time.Duration)
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying id, which every request the client
// makes under ctx sends to Meshes as X-Request-Id, so that one agent call
// can be followed from this server's logs into Meshes'.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID attached to ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
