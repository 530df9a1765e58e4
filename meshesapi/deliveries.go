package meshesapi

import "context"

// Delivery inspection and cancellation (docs/meshes-api.md §10.6). Meshes
// names these five endpoints without publishing their schemas; the shapes
// decoded here, and the reasons behind them, are in docs/deliveries.md.

// ListDeliveryAttempts returns one page of the attempts Meshes made to
// deliver an event through one rule, newest first. ruleID is the rule's id,
// as for RetryDelivery.
func (c *Client) ListDeliveryAttempts(ctx context.Context, eventID, ruleID string, p Page) (*List[DeliveryAttempt], error) {
	return getJSON[List[DeliveryAttempt]](ctx, c, opListDeliveryAttempts, pageQuery(p), eventID, ruleID)
}

// GetDeliveryAttempt returns one attempt's metadata.
func (c *Client) GetDeliveryAttempt(ctx context.Context, eventID, ruleID, attemptID string) (*DeliveryAttempt, error) {
	return getJSON[DeliveryAttempt](ctx, c, opGetDeliveryAttempt, nil, eventID, ruleID, attemptID)
}

// GetAttemptResponse returns what the destination answered to one attempt.
// It is 404 when no answer was captured (the destination was never
// reached), which is not the same as an unknown attempt: callers that asked
// for an attempt they just listed can read it as "no response".
func (c *Client) GetAttemptResponse(ctx context.Context, eventID, ruleID, attemptID string) (*AttemptResponse, error) {
	return getJSON[AttemptResponse](ctx, c, opGetAttemptResponse, nil, eventID, ruleID, attemptID)
}

// CancelDelivery stops further attempts of one rule's delivery of an event.
// An attempt already on the wire completes; none is queued after it. It is a
// POST, so an unknown outcome is reported rather than sent twice.
func (c *Client) CancelDelivery(ctx context.Context, eventID, ruleID string) (*RuleEvent, error) {
	return call[RuleEvent](ctx, c, opCancelDelivery, request{}, eventID, ruleID)
}

// CancelEvent cancels every delivery of the event that has not yet ended
// and returns the event with its deliveries.
func (c *Client) CancelEvent(ctx context.Context, eventID string) (*Event, error) {
	return call[Event](ctx, c, opCancelEvent, request{}, eventID)
}
