package schemas

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
)

// Events toolset (docs/meshes-api.md §5.6–§5.8, §10).

// EventInput is one event to emit; send_event takes one, send_events many.
type EventInput struct {
	WorkspaceID string  `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Event       string  `json:"event" jsonschema:"minLength=1" jsonschema_description:"Event name, e.g. user.signup."`
	Payload     Payload `json:"payload" jsonschema_description:"Event data; include email for person events."`
	Resource    string  `json:"resource,omitempty" jsonschema_description:"Resource key (list_resources)."`
	ResourceID  string  `json:"resource_id,omitempty" jsonschema_description:"Your id of that resource."`
}

// Validate applies the ingestion rule of the official events client: a
// payload with nothing in it is a mistake, not an event.
func (in *EventInput) Validate() error {
	if len(in.Payload) == 0 || !json.Valid(in.Payload) || bytes.TrimSpace(in.Payload)[0] != '{' {
		return &FieldError{Field: "payload", Rule: "must be a JSON object"}
	}
	for _, v := range rawjson.Members(in.Payload) {
		if !emptyValue(v) {
			return nil
		}
	}
	return &FieldError{Field: "payload", Rule: "must hold at least one non-empty value, e.g. {\"email\": \"a@example.com\"}"}
}

// emptyValue reports a JSON value that carries nothing: null, a blank
// string, an empty array or object.
func emptyValue(v []byte) bool {
	switch v[0] {
	case 'n':
		return true
	case '"':
		if text, ok := rawjson.PlainText(v); ok {
			return len(bytes.TrimSpace(text)) == 0
		}
		return blank(rawjson.Unquote(v))
	case '[', '{':
		return len(bytes.TrimSpace(v[1:len(v)-1])) == 0
	}
	return false
}

// Payload is event data as the JSON object the model sent. The server only
// checks it and passes it on to Meshes, so it is never decoded into maps:
// send_events takes 10,000 events at once. Its schema is a free-form
// object's (see freeFormHints).
type Payload json.RawMessage

func (p Payload) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	return p, nil
}

func (p *Payload) UnmarshalJSON(b []byte) error {
	*p = append((*p)[:0], b...)
	return nil
}

// SendEventInput is one event to emit.
type SendEventInput struct {
	EventInput
}

// SendEventOutput is Meshes' receipt: accepted and queued, not yet delivered.
type SendEventOutput struct {
	EventID    string `json:"event_id"`
	Workspace  string `json:"workspace,omitempty"`
	Event      string `json:"event"`
	Resource   string `json:"resource,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	CreatedAt  string `json:"created_at,omitempty"`
	Next       string `json:"next" jsonschema_description:"How to follow the delivery."`
}

// SendEventsInput is any number of events.
type SendEventsInput struct {
	Events []EventItem `json:"events" jsonschema:"minItems=1" jsonschema_description:"Events like send_event's; sent up to 100 per request."`
}

// EventItem is one event of send_events: EventInput with the descriptions
// shortened, since send_event already explains each field to the model.
type EventItem struct {
	WorkspaceID string  `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Event       string  `json:"event" jsonschema:"minLength=1" jsonschema_description:"Event name."`
	Payload     Payload `json:"payload" jsonschema_description:"Event data."`
	Resource    string  `json:"resource,omitempty" jsonschema_description:"Resource key."`
	ResourceID  string  `json:"resource_id,omitempty" jsonschema_description:"Resource id."`
}

// Input returns the item as the EventInput it is.
func (e *EventItem) Input() *EventInput {
	return &EventInput{WorkspaceID: e.WorkspaceID, Event: e.Event, Payload: e.Payload, Resource: e.Resource, ResourceID: e.ResourceID}
}

// Validate checks every item, so that one bad event stops the call before
// any event leaves rather than after half of them did.
func (in *SendEventsInput) Validate() error {
	var msgs []string
	for i := range in.Events {
		if err := in.Events[i].Input().Validate(); err != nil {
			fe := err.(*FieldError)
			msgs = append(msgs, "events["+strconv.Itoa(i)+"]."+fe.Error())
			if len(msgs) == 5 {
				break
			}
		}
	}
	if len(msgs) > 0 {
		return &FieldError{Field: "events", Rule: "has invalid items: " + strings.Join(msgs, "; ")}
	}
	return nil
}

// BulkItem is the outcome of one event of send_events, by request index.
type BulkItem struct {
	Index   int    `json:"index"`
	Status  string `json:"status" jsonschema:"enum=accepted,enum=rejected,enum=unknown,enum=not_sent" jsonschema_description:"unknown: may have been accepted; check list_events before resending. not_sent: safe to resend."`
	EventID string `json:"event_id,omitempty"`
	Error   string `json:"error,omitempty"`
}

// SendEventsOutput merges the outcomes of every batch.
type SendEventsOutput struct {
	Total    int        `json:"total"`
	Accepted int        `json:"accepted"`
	Rejected int        `json:"rejected"`
	Unknown  int        `json:"unknown"`
	NotSent  int        `json:"not_sent"`
	Items    []BulkItem `json:"items" jsonschema_description:"Problem items first, then accepted ones (many: only first and last, see notice)."`
	Notice   string     `json:"notice,omitempty"`
}

// ListEventsInput pages through events, newest first. Status takes the
// filter vocabulary the workspace event list documents (docs/meshes-api.md §6);
// retrying/canceled appear only in reads.
type ListEventsInput struct {
	WorkspaceID string `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this workspace; needed for filters."`
	Limit       int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=200,default=20" jsonschema_description:"Page size."`
	Cursor      string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
	Event       string `json:"event,omitempty" jsonschema_description:"Only this event name."`
	Status      string `json:"status,omitempty" jsonschema:"enum=pending,enum=processing,enum=completed,enum=failed" jsonschema_description:"Only this status."`
	Resource    string `json:"resource,omitempty" jsonschema_description:"Only this resource."`
	ResourceID  string `json:"resource_id,omitempty" jsonschema_description:"Only this resource_id."`
}

// Validate rejects filters the organisation-wide list cannot apply.
func (in *ListEventsInput) Validate() error {
	if in.WorkspaceID == "" && (in.Event != "" || in.Status != "" || in.Resource != "" || in.ResourceID != "") {
		return &FieldError{Field: "workspace_id", Rule: "is required when filtering by event, status, resource or resource_id"}
	}
	return nil
}

// Event is a stored event; lists leave Deliveries and Payload out.
type Event struct {
	ID             string         `json:"id"`
	Workspace      string         `json:"workspace"`
	Event          string         `json:"event"`
	Status         string         `json:"status"`
	Resource       string         `json:"resource,omitempty"`
	ResourceID     string         `json:"resource_id,omitempty"`
	TotalRules     *int           `json:"total_rules,omitempty"`
	CompletedCount *int           `json:"completed_count,omitempty"`
	FailedCount    *int           `json:"failed_count,omitempty"`
	CreatedAt      string         `json:"created_at,omitempty"`
	CompletedAt    string         `json:"completed_at,omitempty"`
	Deliveries     []Delivery     `json:"deliveries,omitempty" jsonschema_description:"One per matched rule."`
	Payload        map[string]any `json:"payload,omitempty"`
}

// Delivery is one event's delivery through one rule (a rule_event).
type Delivery struct {
	EventID         string `json:"event_id,omitempty"`
	Event           string `json:"event,omitempty"`
	Rule            string `json:"rule" jsonschema_description:"Rule ID (retry_delivery's rule_id)."`
	Connection      string `json:"connection"`
	IntegrationType string `json:"integration_type,omitempty"`
	Status          string `json:"status"`
	AttemptCount    int    `json:"attempt_count"`
	LastError       string `json:"last_error,omitempty"`
	CreatedAt       string `json:"created_at,omitempty"`
	CompletedAt     string `json:"completed_at,omitempty"`
}

// ListEventsOutput is one page of events.
type ListEventsOutput struct {
	Count  int     `json:"count"`
	Events []Event `json:"events"`
	Page
}

// GetEventInput names one event.
type GetEventInput struct {
	EventID        string `json:"event_id" jsonschema:"format=uuid" jsonschema_description:"Event ID."`
	IncludePayload bool   `json:"include_payload,omitempty" jsonschema:"default=false" jsonschema_description:"Also return the payload."`
	PayloadPath    string `json:"payload_path,omitempty" jsonschema:"maxLength=512" jsonschema_description:"Only this part of the payload, e.g. items[3].sku."`
}

// payloadPath is a path into an event payload: keys separated by dots,
// array indexes in brackets ("items[3].sku").
var payloadPath = lazyregexp.New(`^[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*$`)

// Validate checks the path's syntax, so that a malformed one is refused
// before the event is read.
func (in *GetEventInput) Validate() error {
	if in.PayloadPath != "" && !payloadPath.MatchString(in.PayloadPath) {
		return &FieldError{Field: "payload_path", Rule: "must be keys separated by dots with array indexes in brackets, e.g. items[3].sku"}
	}
	return nil
}

// GetEventOutput is the event with its deliveries.
type GetEventOutput struct {
	Event
	PayloadPart    any               `json:"payload_part,omitempty" jsonschema_description:"The value at payload_path."`
	PayloadOutline map[string]string `json:"payload_outline,omitempty" jsonschema_description:"Keys (or [index]) of a payload too large to show: type and size."`
	Notice         string            `json:"notice,omitempty"`
}
