package sandbox

import (
	"context"
	"time"
)

// Delivery lifecycle (docs/meshes-api.md §11, derived):
//
//	pending → processing → completed
//	               ↓
//	           retrying → processing … (after Options.Backoff[n])
//	               ↓
//	             failed   (budget of len(Backoff)+1 attempts spent, or a
//	                       non-retryable outcome such as revoked credentials)
//	any non-terminal → canceled (cancel endpoints, or its rule was deleted)
//
// An attempt runs in three steps so the store lock is never held during
// network I/O: beginAttempt marks it processing and snapshots what the
// attempt needs, deliver performs it, finishAttempt records the outcome and
// decides what happens next.

// outcome is the result of one attempt.
type outcome struct {
	delivered bool
	retryable bool
	code      string // docs/meshes-api.md §10.6 outcome_code
	message   string
	response  *capturedResponse
	elapsed   time.Duration
}

// Outcome codes (docs/meshes-api.md §10.6).
const (
	outcomeDelivered      = "delivered"
	outcomeClientError    = "rejected_client_error"
	outcomeServerError    = "rejected_server_error"
	outcomeRateLimited    = "rate_limited"
	outcomeAuthFailed     = "auth_failed"
	outcomeTimeout        = "timeout"
	outcomeNetworkError   = "network_error"
	outcomeInternalError  = "internal_error"
	shutdownMessage       = "sandbox shut down during the attempt"
	imminentRetryInterval = 500 * time.Millisecond
)

// delivery is a snapshot taken at the start of an attempt.
type delivery struct {
	ruleEventID string
	gen         int
	attempt     *attempt
	conn        connection
	rule        rule
	eventID     string
	eventName   string
	resource    string
	resourceID  string
	payload     map[string]any
	createdAt   time.Time
}

func (s *Server) worker() {
	defer s.wg.Done()
	for {
		j, ok := s.queue.pop()
		if !ok {
			return
		}
		d, ok := s.beginAttempt(j, s.now())
		if !ok {
			continue
		}
		res := s.deliver(s.ctx, d)
		next, delay := s.finishAttempt(d, res, s.now())
		s.log.Info("delivery attempt", "event", d.eventName, "event_id", d.eventID, "rule", d.rule.ID,
			"integration", d.conn.Type, "attempt", d.attempt.AttemptNumber, "outcome", res.code, "message", res.message)
		if next != nil {
			s.queue.pushAfter(delay, *next)
		}
	}
}

// beginAttempt moves a queued delivery to processing and opens an attempt.
// ok is false when the job is stale or the delivery can no longer run.
func (s *Server) beginAttempt(j job, now time.Time) (delivery, bool) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	re := s.db.ruleEvents[j.id]
	if re == nil || re.gen != j.gen || (re.Status != statusPending && re.Status != statusRetrying) {
		return delivery{}, false
	}
	ev := s.db.events[re.EventID]
	rl, conn := s.db.rules[re.Rule], s.db.connections[re.Connection]
	if rl == nil || conn == nil {
		re.Status, re.LastError, re.CompletedAt = statusCanceled, "canceled: the rule (or its connection) was deleted before delivery", stamp(now)
		s.refreshEvent(ev, now)
		return delivery{}, false
	}
	re.Status = statusProcessing
	re.AttemptCount++
	re.cycleAttempts++
	if re.StartedAt == nil {
		re.StartedAt = stamp(now)
	}
	att := &attempt{ID: newUUID(), RuleEventID: re.ID, EventID: re.EventID, RuleID: re.Rule,
		AttemptNumber: re.AttemptCount, StartedAt: timestamp(now), seq: s.db.nextSeq()}
	re.attempts = append(re.attempts, att)
	s.refreshEvent(ev, now)
	return delivery{ruleEventID: re.ID, gen: re.gen, attempt: att, conn: *conn, rule: *rl,
		eventID: ev.ID, eventName: ev.Event, resource: ev.Resource, resourceID: ev.ResourceID,
		payload: ev.payload, createdAt: time.Time(ev.CreatedAt)}, true
}

// deliver performs one attempt: inactive connections and the sandbox_fail
// switch first (nothing is sent), then a real webhook request or a
// simulated provider call.
func (s *Server) deliver(ctx context.Context, d delivery) outcome {
	start := time.Now()
	var res outcome
	if !d.conn.Active {
		res = inactiveFailure(d.conn)
	} else if kind, ok := stringValue(d.conn.Metadata, metaFail); ok {
		res = providerFailure(d.conn.Type, kind, d)
	} else if d.conn.Type == "webhook" {
		res = s.deliverWebhook(ctx, d)
	} else {
		res = simulateProvider(d)
	}
	res.elapsed = time.Since(start)
	return res
}

// finishAttempt records the outcome and returns the retry to schedule, if
// any.
func (s *Server) finishAttempt(d delivery, res outcome, now time.Time) (*job, time.Duration) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	att := d.attempt
	ms := res.elapsed.Milliseconds()
	att.CompletedAt, att.DurationMs = stamp(now), &ms
	att.OutcomeCode, att.Message, att.response = res.code, res.message, res.response
	if res.response != nil {
		att.ResponseStatus = res.response.StatusCode
	}
	re := s.db.ruleEvents[d.ruleEventID]
	ev := s.db.events[re.EventID]
	defer s.refreshEvent(ev, now)
	if re.Status != statusProcessing || re.gen != d.gen {
		// Canceled while in flight: the request was allowed to finish and
		// is recorded on the attempt, but nothing further happens (docs/meshes-api.md §10.6).
		return nil, 0
	}
	if s.ctx.Err() != nil && !res.delivered {
		att.OutcomeCode, att.Message = outcomeInternalError, shutdownMessage
		re.Status = statusPending
		return nil, 0
	}
	if res.delivered {
		// last_error describes the current trouble; a delivered rule has none.
		re.Status, re.CompletedAt, re.LastError = statusCompleted, stamp(now), ""
		return nil, 0
	}
	re.LastError = res.message
	if res.retryable && re.cycleAttempts <= len(s.opts.Backoff) {
		delay := s.opts.Backoff[re.cycleAttempts-1]
		re.Status = statusRetrying
		re.gen++
		re.nextAttempt = time.Now().Add(delay)
		return &job{id: re.ID, gen: re.gen}, delay
	}
	re.Status, re.CompletedAt = statusFailed, stamp(now)
	return nil, 0
}
