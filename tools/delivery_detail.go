package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// get_delivery and cancel_delivery work on one event × rule, through the
// delivery endpoints of contract §10.6.

// attemptsPageSize is the largest page Meshes serves: one request reads a
// delivery's whole history in every realistic case.
const attemptsPageSize = 200

// maxResponses bounds the failed attempts whose captured answer is fetched:
// the newest explain the failure, older ones almost always repeat it.
const maxResponses = 3

// maxResponseBody is the excerpt of a destination's body a result carries.
const maxResponseBody = 2048

// safeResponseHeaders are the answer headers worth showing; the rest (set
// cookies, tracing ids of the destination's infrastructure) are noise or
// secrets.
var safeResponseHeaders = []string{"content-type", "content-length", "retry-after", "www-authenticate", "location",
	"x-request-id", "ratelimit-remaining", "ratelimit-reset", "x-ratelimit-remaining", "x-ratelimit-reset"}

// terminal reports a delivery status after which nothing is attempted.
func terminal(status string) bool {
	return status == "completed" || status == "failed" || status == "canceled"
}

// findDelivery returns the event's delivery through ruleID.
func findDelivery(e *meshesapi.Event, ruleID string) (*meshesapi.RuleEvent, error) {
	for i := range e.RuleEvents {
		if strings.EqualFold(e.RuleEvents[i].Rule, ruleID) {
			return &e.RuleEvents[i], nil
		}
	}
	rules := make([]string, 0, len(e.RuleEvents))
	for _, re := range e.RuleEvents {
		rules = append(rules, re.Rule)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("event %s has no delivery through rule %s: it matched no rule (diagnose_event explains why)", e.ID, ruleID)
	}
	return nil, fmt.Errorf("event %s has no delivery through rule %s; its deliveries are through rule %s (get_event lists them)", e.ID, ruleID, strings.Join(rules, ", "))
}

// getDelivery reads the event and the attempts in one wave, then the
// captured answers of the newest failed attempts in a second.
func (c *Catalog) getDelivery(ctx context.Context, in *schemas.GetDeliveryInput) (*schemas.GetDeliveryOutput, error) {
	var (
		e        *meshesapi.Event
		attempts *meshesapi.List[meshesapi.DeliveryAttempt]
		eventErr error
		listErr  error
	)
	// A missing delivery is reported before a failed attempts read, so
	// each read keeps its own error; a panic in either is the call's.
	if err := inOneWave(ctx, c.log, 2, func(ctx context.Context) error {
		e, eventErr = c.event(ctx, in.EventID, false)
		return nil
	}, func(ctx context.Context) error {
		attempts, listErr = c.client.ListDeliveryAttempts(ctx, in.EventID, in.RuleID, meshesapi.Page{Limit: attemptsPageSize})
		return nil
	}); err != nil {
		return nil, err
	}
	if eventErr != nil {
		return nil, eventErr
	}
	re, err := findDelivery(e, in.RuleID)
	if err != nil {
		return nil, err
	}
	if listErr != nil {
		return nil, listErr
	}
	out := &schemas.GetDeliveryOutput{Delivery: deliveryOut(re, false), Attempts: make([]schemas.Attempt, 0, len(attempts.Records))}
	out.EventID, out.Event = e.ID, e.Event
	for i := range attempts.Records {
		out.Attempts = append(out.Attempts, attemptOut(&attempts.Records[i]))
	}
	responses := c.attemptResponses(ctx, in.EventID, in.RuleID, attempts.Records, maxResponses)
	answeredAttempts := 0
	for i := range out.Attempts {
		out.Attempts[i].Response = responses[attempts.Records[i].ID]
		if answered(&attempts.Records[i]) {
			answeredAttempts++
		}
	}
	if attempts.NextCursor != nil && *attempts.NextCursor != "" {
		out.Notice = fmt.Sprintf("showing the %d newest attempts", len(out.Attempts))
	}
	if answeredAttempts > maxResponses {
		out.Notice = joinNotice(out.Notice, fmt.Sprintf("the destination's answer is shown for the %d newest failed attempts; older ones usually repeat it", maxResponses))
	}
	if size(out) > c.budget() {
		kept, _ := window(out.Attempts, 0, c.budget()/2)
		out.Notice = fmt.Sprintf("showing the %d newest of %d attempts to keep the result small", len(kept), len(out.Attempts))
		out.Attempts = kept
	}
	return out, nil
}

func attemptOut(a *meshesapi.DeliveryAttempt) schemas.Attempt {
	return schemas.Attempt{Number: a.AttemptNumber, StartedAt: a.StartedAt, DurationMs: a.DurationMs,
		OutcomeCode: a.OutcomeCode, Message: redactText(a.Message)}
}

// answered reports whether a failed attempt may have a captured answer:
// one that never reached the destination has none, so asking would only
// cost a round trip that ends in 404.
func answered(a *meshesapi.DeliveryAttempt) bool {
	switch a.OutcomeCode {
	case meshesapi.OutcomeDelivered, "":
		return false
	case meshesapi.OutcomeNetworkError, meshesapi.OutcomeTimeout, meshesapi.OutcomeMappingError:
		return a.ResponseStatus != 0
	}
	return true
}

// attemptResponses fetches, in one wave, the captured answers of up to n of
// the newest failed attempts (attempts are newest first), keyed by attempt
// id. An answer that cannot be read is left out: the attempt's message
// still says what happened.
func (c *Catalog) attemptResponses(ctx context.Context, eventID, ruleID string, attempts []meshesapi.DeliveryAttempt, n int) map[string]*schemas.DestinationResponse {
	var ids []string
	for i := range attempts {
		if len(ids) < n && answered(&attempts[i]) {
			ids = append(ids, attempts[i].ID)
		}
	}
	out := map[string]*schemas.DestinationResponse{}
	var mu sync.Mutex
	_ = forEach(ctx, c.log, len(ids), ids, func(ctx context.Context, id string) error {
		r, err := c.client.GetAttemptResponse(ctx, eventID, ruleID, id)
		if err == nil {
			mu.Lock()
			out[id] = responseOut(r)
			mu.Unlock()
		}
		return nil
	})
	return out
}

// responseOut keeps the safe headers and a redacted excerpt of the body.
func responseOut(r *meshesapi.AttemptResponse) *schemas.DestinationResponse {
	out := &schemas.DestinationResponse{Status: r.StatusCode, BodyTruncated: r.BodyTruncated}
	for name, v := range r.Headers {
		if slices.Contains(safeResponseHeaders, strings.ToLower(name)) {
			if out.Headers == nil {
				out.Headers = map[string]string{}
			}
			out.Headers[strings.ToLower(name)] = redactText(v)
		}
	}
	body := r.Body
	if len(body) > maxResponseBody {
		body, out.BodyTruncated = strings.ToValidUTF8(body[:maxResponseBody], ""), true
	}
	out.Body = redactText(body)
	return out
}

// cancelDelivery reads the event first: it says which deliveries can still
// be stopped and which have an attempt on the wire, and lets a delivery
// that already ended be reported without sending a cancel.
func (c *Catalog) cancelDelivery(ctx context.Context, in *schemas.CancelDeliveryInput) (*schemas.CancelDeliveryOutput, error) {
	e, err := c.event(ctx, in.EventID, false)
	if err != nil {
		return nil, err
	}
	before := map[string]string{}
	for _, re := range e.RuleEvents {
		before[strings.ToLower(re.Rule)] = re.Status
	}
	out := &schemas.CancelDeliveryOutput{EventID: e.ID, Canceled: []schemas.Delivery{}}
	var after []meshesapi.RuleEvent
	if in.RuleID != "" {
		re, err := findDelivery(e, in.RuleID)
		if err != nil {
			return nil, err
		}
		if terminal(re.Status) {
			return nil, fmt.Errorf("the delivery through rule %s is already %s, so there is nothing to cancel%s", re.Rule, re.Status, restartHint(re.Status))
		}
		updated, err := c.client.CancelDelivery(ctx, e.ID, re.Rule)
		if err != nil {
			return nil, err
		}
		after = []meshesapi.RuleEvent{*updated}
	} else {
		if !slices.ContainsFunc(e.RuleEvents, func(re meshesapi.RuleEvent) bool { return !terminal(re.Status) }) {
			return nil, fmt.Errorf("every delivery of event %s has already ended (event status %s), so there is nothing to cancel", e.ID, e.Status)
		}
		updated, err := c.client.CancelEvent(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		after = updated.RuleEvents
	}
	for i := range after {
		re := &after[i]
		prior, known := before[strings.ToLower(re.Rule)]
		if re.Status != "canceled" || (known && terminal(prior)) {
			continue
		}
		out.Canceled = append(out.Canceled, deliveryOut(re, false))
		if prior == "processing" {
			out.InFlight = append(out.InFlight, re.Rule)
		}
	}
	out.Summary = fmt.Sprintf("canceled %d deliveries of event %s: no further attempt will be made", len(out.Canceled), e.ID)
	if len(out.Canceled) == 1 {
		out.Summary = fmt.Sprintf("canceled the delivery through rule %s: no further attempt will be made", out.Canceled[0].Rule)
	}
	if n := len(out.InFlight); n > 0 {
		out.Summary += fmt.Sprintf("; %d attempt(s) already on the wire will still complete, and get_delivery shows their outcome", n)
	}
	return out, nil
}

// restartHint tells how to deliver again what has ended.
func restartHint(status string) string {
	if status == "completed" {
		return ""
	}
	return "; retry_delivery starts it again"
}
