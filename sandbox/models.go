package sandbox

import (
	"time"
)

// The record types below are both the in-memory state and, through their
// json tags, the wire form. Unexported fields are state the API never
// shows. Maps held by records (metadata, payloads, schemas) are replaced,
// never mutated, so a copied record can be read after the lock is released.

// timestamp renders as an RFC 3339 UTC string with milliseconds.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

func stamp(t time.Time) *timestamp {
	ts := timestamp(t)
	return &ts
}

type publishableKey struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

type workspace struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	CreatedAt   timestamp       `json:"created_at"`
	UpdatedAt   timestamp       `json:"updated_at"`
	PubKey      *publishableKey `json:"publishable_key,omitempty"`

	seq        int64
	orgID      string
	pubKey     string
	eventTypes []*catalogEntry
	resources  []*catalogEntry
}

type catalogEntry struct {
	ID          string    `json:"id"`
	Key         string    `json:"key"`
	Label       string    `json:"label"`
	Description *string   `json:"description"`
	Active      bool      `json:"active"`
	CreatedBy   *string   `json:"created_by"`
	CreatedAt   timestamp `json:"created_at"`
	UpdatedAt   timestamp `json:"updated_at"`
}

type connection struct {
	ID             string         `json:"id"`
	Workspace      string         `json:"workspace"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Metadata       map[string]any `json:"metadata"`
	Active         bool           `json:"active"`
	InactiveReason string         `json:"inactive_reason,omitempty"`
	Hidden         bool           `json:"hidden"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      timestamp      `json:"created_at"`
	UpdatedAt      timestamp      `json:"updated_at"`

	seq int64
	// mappingID is the stable identity of the connection's default mapping,
	// assigned at creation so the generated mapping keeps one id until stored.
	mappingID string
}

type rule struct {
	ID         string         `json:"id"`
	Workspace  string         `json:"workspace"`
	Connection string         `json:"connection"`
	Type       string         `json:"type"`
	Event      string         `json:"event"`
	Resource   string         `json:"resource,omitempty"`
	ResourceID string         `json:"resource_id,omitempty"`
	Metadata   map[string]any `json:"metadata"`
	Active     bool           `json:"active"`
	Hidden     bool           `json:"hidden"`
	CreatedBy  string         `json:"created_by"`
	CreatedAt  timestamp      `json:"created_at"`
	UpdatedAt  timestamp      `json:"updated_at"`

	seq int64
}

// Delivery and event statuses: the six-value vocabulary of the latest
// [RULES] (docs/meshes-api.md §11); the older four are a subset.
const (
	statusPending    = "pending"
	statusProcessing = "processing"
	statusRetrying   = "retrying"
	statusCompleted  = "completed"
	statusFailed     = "failed"
	statusCanceled   = "canceled"
)

func terminal(status string) bool {
	return status == statusCompleted || status == statusFailed || status == statusCanceled
}

type event struct {
	ID             string         `json:"id"`
	Type           string         `json:"type"`
	Workspace      string         `json:"workspace"`
	Event          string         `json:"event"`
	Resource       string         `json:"resource,omitempty"`
	ResourceID     string         `json:"resource_id,omitempty"`
	Status         string         `json:"status"`
	TotalRules     int            `json:"total_rules"`
	CompletedCount int            `json:"completed_count"`
	FailedCount    int            `json:"failed_count"`
	StartedAt      *timestamp     `json:"started_at,omitempty"`
	CompletedAt    *timestamp     `json:"completed_at,omitempty"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      timestamp      `json:"created_at"`
	RuleEvents     []ruleEvent    `json:"rule_events"`
	Payload        map[string]any `json:"payload,omitempty"`

	seq        int64
	payload    map[string]any
	deliveries []*ruleEvent
}

// reducedEvent is the create-event response (docs/meshes-api.md §10.2): no status or counters.
type reducedEvent struct {
	ID         string    `json:"id"`
	Event      string    `json:"event"`
	Resource   string    `json:"resource,omitempty"`
	ResourceID string    `json:"resource_id,omitempty"`
	Type       string    `json:"type"`
	Workspace  string    `json:"workspace"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  timestamp `json:"created_at"`
}

type ruleEvent struct {
	ID              string     `json:"id"`
	Type            string     `json:"type"`
	Workspace       string     `json:"workspace"`
	Event           string     `json:"event"`
	EventID         string     `json:"event_id"`
	Resource        string     `json:"resource,omitempty"`
	ResourceID      string     `json:"resource_id,omitempty"`
	Connection      string     `json:"connection"`
	Rule            string     `json:"rule"`
	IntegrationType string     `json:"integration_type"`
	Status          string     `json:"status"`
	AttemptCount    int        `json:"attempt_count"`
	StartedAt       *timestamp `json:"started_at,omitempty"`
	CompletedAt     *timestamp `json:"completed_at,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       timestamp  `json:"created_at"`

	attempts []*attempt
	// gen invalidates queued jobs: every requeue, cancel or manual retry
	// bumps it, and a worker drops a job whose generation is stale.
	gen int
	// cycleAttempts counts attempts since the last manual retry, against
	// which the automatic backoff budget is measured.
	cycleAttempts int
	// nextAttempt is the real-clock time the scheduled retry fires.
	nextAttempt time.Time
}

// attempt is one delivery try ([RULES]-only endpoints, shape derived).
type attempt struct {
	ID             string     `json:"id"`
	RuleEventID    string     `json:"rule_event_id"`
	EventID        string     `json:"event_id"`
	RuleID         string     `json:"rule_id"`
	AttemptNumber  int        `json:"attempt_number"`
	StartedAt      timestamp  `json:"started_at"`
	CompletedAt    *timestamp `json:"completed_at,omitempty"`
	DurationMs     *int64     `json:"duration_ms,omitempty"`
	OutcomeCode    string     `json:"outcome_code,omitempty"`
	Message        string     `json:"message,omitempty"`
	ResponseStatus int        `json:"response_status,omitempty"`

	seq      int64
	response *capturedResponse
}

// capturedResponse is what the destination answered, for response-details.
type capturedResponse struct {
	StatusCode    int               `json:"status_code"`
	StatusText    string            `json:"status_text"`
	Headers       map[string]string `json:"headers"`
	Body          string            `json:"body"`
	BodyTruncated bool              `json:"body_truncated"`
}
