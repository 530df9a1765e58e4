package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Delivery endpoints: manual retry (docs/meshes-api.md §10.5) and the [RULES]-only attempt
// inspection and cancellation endpoints (docs/meshes-api.md §10.6), whose shapes are derived:
//
//	attempts list           list envelope of attempt records, newest first
//	attempt                 {id, rule_event_id, event_id, rule_id,
//	                         attempt_number, started_at, completed_at?,
//	                         duration_ms?, outcome_code?, message?,
//	                         response_status?}
//	response-details        {attempt_id, rule_event_id, outcome_code,
//	                         status_code, status_text, headers, body,
//	                         body_truncated}; 404 when no response was
//	                         received (e.g. connection refused)
//	cancel rule             200 with the updated RuleEvent
//	cancel event            200 with the Event and its deliveries

// withDelivery resolves {event_id}/{rule_id} to the event's delivery for
// that rule (rule_id is the RULE id, docs/meshes-api.md §10.5) and runs fn under the lock.
func (s *Server) withDelivery(r *http.Request, c caller, fn func(ev *event, re *ruleEvent) (int, any, *apiError)) (int, any, *apiError) {
	ruleID, aerr := pathUUID(r, "rule_id")
	if aerr != nil {
		return 0, nil, aerr
	}
	return s.withEvent(r, c, func(ev *event) (int, any, *apiError) {
		for _, re := range ev.deliveries {
			if re.Rule == ruleID {
				return fn(ev, re)
			}
		}
		return 0, nil, errorf(http.StatusNotFound, "Rule not found for this event: rule %s did not match event %s", ruleID, ev.ID)
	})
}

// retryDelivery re-queues a delivery now. Failed and canceled deliveries
// start a fresh cycle of automatic retries. A delivery cycling through
// automatic retries is pulled forward, unless its next attempt is due
// within 500ms or running (425, as the latest [RULES] describes); a
// queued one is about to run anyway (425); a completed one has nothing to
// retry (409).
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	var queued *job
	status, body, aerr := s.withDelivery(r, c, func(ev *event, re *ruleEvent) (int, any, *apiError) {
		switch re.Status {
		case statusCompleted:
			return 0, nil, errorf(http.StatusConflict, "delivery already completed; there is nothing to retry")
		case statusProcessing:
			return 0, nil, tooEarly(w, "an attempt is in flight right now; check the delivery again when it finishes")
		case statusPending:
			return 0, nil, tooEarly(w, "the delivery is queued and will be attempted momentarily")
		case statusRetrying:
			if wait := time.Until(re.nextAttempt); wait <= imminentRetryInterval {
				return 0, nil, tooEarly(w, fmt.Sprintf("the next automatic retry runs in %s", wait.Round(time.Millisecond)))
			}
		}
		re.Status, re.CompletedAt = statusPending, nil
		re.gen++
		re.cycleAttempts = 0
		s.refreshEvent(ev, s.now())
		queued = &job{id: re.ID, gen: re.gen}
		return http.StatusOK, *re, nil
	})
	if queued != nil {
		s.queue.push(*queued)
	}
	return status, body, aerr
}

func tooEarly(w http.ResponseWriter, msg string) *apiError {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	return errorf(http.StatusTooEarly, "%s", msg)
}

func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	page, aerr := parsePage(r.URL.Query(), defaultPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	return s.withDelivery(r, c, func(ev *event, re *ruleEvent) (int, any, *apiError) {
		list := append([]*attempt(nil), re.attempts...)
		return http.StatusOK, paginate(list, func(a *attempt) int64 { return a.seq }, page,
			func(a *attempt) attempt { return *a }), nil
	})
}

// withAttempt resolves {attempt_id} within the delivery.
func (s *Server) withAttempt(r *http.Request, c caller, fn func(a *attempt) (int, any, *apiError)) (int, any, *apiError) {
	attemptID, aerr := pathUUID(r, "attempt_id")
	if aerr != nil {
		return 0, nil, aerr
	}
	return s.withDelivery(r, c, func(ev *event, re *ruleEvent) (int, any, *apiError) {
		for _, a := range re.attempts {
			if a.ID == attemptID {
				return fn(a)
			}
		}
		return 0, nil, notFound("Attempt")
	})
}

func (s *Server) getAttempt(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withAttempt(r, c, func(a *attempt) (int, any, *apiError) { return http.StatusOK, *a, nil })
}

type responseDetails struct {
	AttemptID   string `json:"attempt_id"`
	RuleEventID string `json:"rule_event_id"`
	OutcomeCode string `json:"outcome_code"`
	capturedResponse
}

func (s *Server) getAttemptResponse(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withAttempt(r, c, func(a *attempt) (int, any, *apiError) {
		if a.response == nil {
			return 0, nil, errorf(http.StatusNotFound, "No response captured for this attempt (outcome %q): the destination never answered", a.OutcomeCode)
		}
		return http.StatusOK, responseDetails{AttemptID: a.ID, RuleEventID: a.RuleEventID, OutcomeCode: a.OutcomeCode,
			capturedResponse: *a.response}, nil
	})
}

// markCanceled ends a delivery: no further attempt is queued; an attempt already
// on the wire finishes and is recorded, but the status stays canceled.
func markCanceled(re *ruleEvent, now time.Time) {
	re.Status, re.CompletedAt = statusCanceled, stamp(now)
	re.gen++
}

func (s *Server) cancelDelivery(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withDelivery(r, c, func(ev *event, re *ruleEvent) (int, any, *apiError) {
		if terminal(re.Status) {
			return 0, nil, errorf(http.StatusConflict, "delivery already %s; only pending, processing or retrying deliveries can be canceled", re.Status)
		}
		now := s.now()
		markCanceled(re, now)
		s.refreshEvent(ev, now)
		return http.StatusOK, *re, nil
	})
}

// cancelEvent cancels every delivery of the event that has not ended; 409
// when none is left to cancel.
func (s *Server) cancelEvent(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withEvent(r, c, func(ev *event) (int, any, *apiError) {
		now := s.now()
		n := 0
		for _, re := range ev.deliveries {
			if !terminal(re.Status) {
				markCanceled(re, now)
				n++
			}
		}
		if n == 0 {
			return 0, nil, errorf(http.StatusConflict, "event is already %s; no delivery is left to cancel", ev.Status)
		}
		s.refreshEvent(ev, now)
		return http.StatusOK, eventView(ev, false), nil
	})
}
