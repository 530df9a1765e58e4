package meshesapi

import (
	"context"
)

// SendEvent ingests one event (POST /events on the ingestion base → 201).
// A 201 means accepted and queued; delivery happens asynchronously.
func (c *Client) SendEvent(ctx context.Context, in EventInput) (*EventReceipt, error) {
	var out eventAccepted
	if err := c.send(ctx, opSendEvent, request{body: in}, &out, in.Workspace); err != nil {
		return nil, err
	}
	return &out.Event, nil
}

// SendEvents ingests 1–100 events in one request. A 207 is not an error: the
// result's records say which items were rejected and why.
func (c *Client) SendEvents(ctx context.Context, in []EventInput) (*BulkResult, error) {
	if len(in) < 1 || len(in) > MaxBulkEvents {
		return nil, &ValidationError{Field: "events", Rule: "must hold 1 to 100 events per request"}
	}
	var out BulkResult
	if err := c.send(ctx, opSendEvents, request{body: in, status: &out.Status}, &out, bulkWorkspace(in)); err != nil {
		return nil, err
	}
	return &out, nil
}

// MaxBulkEvents is the most events POST /events/bulk accepts at once.
const MaxBulkEvents = 100

// EventSize is the length of in encoded exactly as the client encodes it in
// a request body. A POST /events body is EventSize bytes; a POST
// /events/bulk body is the sum of its events' sizes plus BulkFraming. With
// MaxRequestBytes, that lets a caller pack batches the client will send.
//
// It counts the bytes rather than keeping them: a 10,000-event send_events
// sizes every event, and the copies were 2 MB of garbage per call.
func EventSize(in EventInput) (int64, error) {
	var n byteCounter
	if err := encodeTo(&n, in); err != nil {
		return 0, err
	}
	return int64(n) - 1, nil // encodeTo's newline is not sent
}

// byteCounter is an io.Writer that only counts.
type byteCounter int64

func (n *byteCounter) Write(p []byte) (int, error) {
	*n += byteCounter(len(p))
	return len(p), nil
}

// BulkFraming is what the JSON array adds around n events in a POST
// /events/bulk body: two brackets and n-1 commas.
func BulkFraming(n int) int64 { return int64(n) + 1 }

// ListEvents returns one page of the organisation's events (no filters exist here).
func (c *Client) ListEvents(ctx context.Context, p Page) (*List[Event], error) {
	return getJSON[List[Event]](ctx, c, opListEvents, pageQuery(p))
}

// GetEvent returns an event with its delivery matrix (rule_events).
func (c *Client) GetEvent(ctx context.Context, eventID string) (*Event, error) {
	return getJSON[Event](ctx, c, opGetEvent, nil, eventID)
}

// GetEventPayload returns the event, its deliveries and its payload.
func (c *Client) GetEventPayload(ctx context.Context, eventID string) (*Event, error) {
	return getJSON[Event](ctx, c, opGetEventPayload, nil, eventID)
}

// RetryDelivery asks Meshes to attempt one rule's delivery of an event again.
// ruleID is the rule's id (the rule_event's "rule" field), not the rule_event id.
func (c *Client) RetryDelivery(ctx context.Context, eventID, ruleID string) (*RuleEvent, error) {
	return call[RuleEvent](ctx, c, opRetryDelivery, request{}, eventID, ruleID)
}

// bulkWorkspace is the workspace every event of a bulk request names, or ""
// when they name several (an error then cannot say which one was unknown).
func bulkWorkspace(in []EventInput) string {
	ws := in[0].Workspace
	for _, e := range in[1:] {
		if e.Workspace != ws {
			return ""
		}
	}
	return ws
}
