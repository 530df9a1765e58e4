package schemas

// Deliveries toolset (docs/meshes-api.md §5.8, §10.5, §11).

// DeliveryStatuses is the rule_event status vocabulary, including the two
// values only the newest contract source mentions (docs/meshes-api.md §11).
var DeliveryStatuses = []string{"pending", "processing", "retrying", "completed", "failed", "canceled"}

// ListDeliveriesInput filters the deliveries of a workspace's recent events.
type ListDeliveriesInput struct {
	WorkspaceID  string `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Status       string `json:"status,omitempty" jsonschema:"enum=pending,enum=processing,enum=retrying,enum=completed,enum=failed,enum=canceled" jsonschema_description:"Only this status; failed includes retrying."`
	Event        string `json:"event,omitempty" jsonschema_description:"Only this event name."`
	ConnectionID string `json:"connection_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this connection."`
	RuleID       string `json:"rule_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this rule."`
	Limit        int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=100,default=20" jsonschema_description:"Max deliveries."`
	Cursor       string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
}

// ListDeliveriesOutput is a page of deliveries, newest events first.
type ListDeliveriesOutput struct {
	Count         int            `json:"count"`
	Deliveries    []Delivery     `json:"deliveries"`
	ByStatus      map[string]int `json:"by_status" jsonschema_description:"Deliveries per status among the events scanned."`
	EventsScanned int            `json:"events_scanned"`
	Window        string         `json:"window" jsonschema_description:"Which events the counts cover."`
	Page
}

// RetryDeliveryInput names one delivery by its event and rule.
type RetryDeliveryInput struct {
	EventID string `json:"event_id" jsonschema:"format=uuid" jsonschema_description:"Event ID."`
	RuleID  string `json:"rule_id" jsonschema:"format=uuid" jsonschema_description:"Rule ID (a delivery's rule, not its id)."`
}

// RetryDeliveryOutput is the delivery after the retry was queued.
type RetryDeliveryOutput struct {
	Delivery
	Next string `json:"next" jsonschema_description:"How to follow the retry."`
}

// DiagnoseEventInput names the event to explain.
type DiagnoseEventInput struct {
	EventID string `json:"event_id" jsonschema:"format=uuid" jsonschema_description:"Event ID."`
}

// NextCall is a tool call the model can make next: one that would fix or
// confirm a finding, or that starts a manual step of a blueprint plan.
type NextCall struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
}

// Finding is one thing diagnose_event concluded.
type Finding struct {
	Severity     string    `json:"severity" jsonschema:"enum=error,enum=warning,enum=info"`
	RuleID       string    `json:"rule_id,omitempty"`
	ConnectionID string    `json:"connection_id,omitempty"`
	What         string    `json:"what"`
	OutcomeCode  string    `json:"outcome_code,omitempty" jsonschema_description:"Of the newest finished attempt."`
	Said         string    `json:"destination_said,omitempty" jsonschema_description:"The destination's own answer, redacted."`
	URL          string    `json:"url,omitempty" jsonschema_description:"The URL to fix, credentials redacted."`
	Cause        string    `json:"cause,omitempty" jsonschema_description:"Likely cause."`
	Next         *NextCall `json:"next,omitempty" jsonschema_description:"Call that would fix or confirm it."`
}

// DiagnoseEventOutput explains an event's deliveries.
type DiagnoseEventOutput struct {
	EventID    string     `json:"event_id"`
	Event      string     `json:"event"`
	Workspace  string     `json:"workspace"`
	Status     string     `json:"status"`
	Summary    string     `json:"summary"`
	Findings   []Finding  `json:"findings"`
	Deliveries []Delivery `json:"deliveries"`
}

// GetDeliveryInput names one delivery: an event and one of its rules.
type GetDeliveryInput struct {
	EventID string `json:"event_id" jsonschema:"format=uuid" jsonschema_description:"Event ID."`
	RuleID  string `json:"rule_id" jsonschema:"format=uuid" jsonschema_description:"Rule ID (a delivery's rule)."`
}

// Attempt is one try at a delivery.
type Attempt struct {
	Number      int    `json:"number"`
	StartedAt   string `json:"started_at,omitempty"`
	DurationMs  *int64 `json:"duration_ms,omitempty"`
	OutcomeCode string `json:"outcome_code,omitempty"`
	Message     string `json:"message,omitempty"`
	// Response is what the destination answered, for failed attempts.
	Response *DestinationResponse `json:"response,omitempty" jsonschema_description:"The destination's own answer to a failed attempt."`
}

// DestinationResponse is a destination's answer as Meshes captured it,
// with credentials redacted.
type DestinationResponse struct {
	Status        int               `json:"status"`
	Headers       map[string]string `json:"headers,omitempty"`
	Body          string            `json:"body,omitempty" jsonschema_description:"At most about 2 KB."`
	BodyTruncated bool              `json:"body_truncated,omitempty"`
}

// GetDeliveryOutput is one delivery with its attempts, newest first.
type GetDeliveryOutput struct {
	Delivery
	Attempts []Attempt `json:"attempts"`
	Notice   string    `json:"notice,omitempty"`
}

// CancelDeliveryInput names the deliveries to stop.
type CancelDeliveryInput struct {
	EventID string `json:"event_id" jsonschema:"format=uuid" jsonschema_description:"Event ID."`
	RuleID  string `json:"rule_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this rule's delivery; omit for all unfinished."`
}

// CancelDeliveryOutput says what was stopped and what was already on the
// wire.
type CancelDeliveryOutput struct {
	EventID  string     `json:"event_id"`
	Canceled []Delivery `json:"canceled" jsonschema_description:"Deliveries that get no further attempt."`
	// InFlight are rule IDs whose attempt was already on the wire: it
	// completes, and its outcome is recorded, but nothing follows it.
	InFlight []string `json:"in_flight,omitempty" jsonschema_description:"Rules whose attempt already under way still completes."`
	Summary  string   `json:"summary"`
}
