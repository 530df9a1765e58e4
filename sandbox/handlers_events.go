package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	var in eventInput
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	ev, jobs, aerr := s.ingest(c, in, s.now())
	if aerr != nil {
		return 0, nil, aerr
	}
	s.queue.push(jobs...)
	return http.StatusCreated, map[string]any{"event": ev}, nil
}

// Bulk limits (docs/meshes-api.md §10.3).
const maxBulk = 100

type bulkResponse struct {
	Count      int   `json:"count"`
	ErrorCount int   `json:"error_count"`
	Records    []any `json:"records"`
}

// createEventsBulk takes a bare JSON array of 1–100 events (docs/meshes-api.md §10.3).
// records[i] answers item i; count is the number of items and error_count
// the rejected ones. All accepted → 201, some → 207; when every item is
// rejected nothing was accepted, so it is a plain 400 whose data names each
// problem as [i].param (docs/meshes-api.md §17 q10).
func (s *Server) createEventsBulk(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	raw, aerr := readBody(w, r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if raw == nil {
		return 0, nil, (&problems{{Param: "body", Msg: "a JSON array of events is required"}}).err(http.StatusBadRequest)
	}
	var items []json.RawMessage
	if aerr := decodeJSON(raw, &items); aerr != nil {
		return 0, nil, (&problems{{Param: "body", Msg: "must be a JSON array of event objects (not wrapped in an object)"}}).err(http.StatusBadRequest)
	}
	if len(items) < 1 || len(items) > maxBulk {
		return 0, nil, (&problems{{Param: "body", Msg: "must contain 1-100 events"}}).err(http.StatusBadRequest)
	}
	now := s.now()
	resp := bulkResponse{Count: len(items), Records: make([]any, len(items))}
	var all problems
	for i, item := range items {
		var in eventInput
		var ev reducedEvent
		var jobs []job
		aerr := decodeJSON(item, &in)
		if aerr == nil && strings.HasPrefix(strings.TrimSpace(string(item)), "{") {
			ev, jobs, aerr = s.ingest(c, in, now)
		} else if aerr == nil {
			aerr = (&problems{{Param: "body", Msg: "must be a JSON object"}}).err(http.StatusBadRequest)
		}
		if aerr != nil {
			resp.ErrorCount++
			// A rejected item's record is the error body with the specific
			// message on top, so each record reads on its own.
			rec := aerr.body()
			rec.Message = aerr.Message
			resp.Records[i] = rec
			for _, f := range aerr.Data {
				all = append(all, fieldError{Param: bulkParam(i, f.Param), Msg: f.Msg})
			}
			if len(aerr.Data) == 0 {
				all = append(all, fieldError{Param: bulkParam(i, ""), Msg: aerr.Message})
			}
			continue
		}
		s.queue.push(jobs...)
		resp.Records[i] = ev
	}
	switch resp.ErrorCount {
	case 0:
		return http.StatusCreated, resp, nil
	case len(items):
		return 0, nil, all.err(http.StatusBadRequest)
	default:
		return http.StatusMultiStatus, resp, nil
	}
}

func bulkParam(i int, param string) string {
	p := "[" + strconv.Itoa(i) + "]"
	if param != "" && param != "body" {
		p += "." + param
	}
	return p
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listEventsWhere(r, c, false)
}

// eventStatuses is the filter vocabulary: the documented four plus the
// latest [RULES] additions, which events can actually be in here.
var eventStatuses = []string{statusPending, statusProcessing, statusRetrying, statusCompleted, statusFailed, statusCanceled}

// listEventsWhere lists events newest first with their delivery matrix.
// Only the workspace variant filters (docs/meshes-api.md §10.1 note).
func (s *Server) listEventsWhere(r *http.Request, c caller, scoped bool) (int, any, *apiError) {
	q := r.URL.Query()
	page, aerr := parsePage(q, defaultEventPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	var f struct{ event, status, resource, resourceID string }
	if scoped {
		f.event, f.status, f.resource, f.resourceID = q.Get("event"), q.Get("status"), q.Get("resource"), q.Get("resource_id")
		if f.status != "" && !slices.Contains(eventStatuses, f.status) {
			return 0, nil, (&problems{{Param: "status", Msg: "must be one of " + strings.Join(eventStatuses, ", ")}}).err(http.StatusBadRequest)
		}
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	scope, aerr := s.workspaceScope(r, c, scoped)
	if aerr != nil {
		return 0, nil, aerr
	}
	list := values(s.db.events, func(e *event) bool {
		return s.inScope(c, scope, e.Workspace) && matches(f.event, e.Event) && matches(f.status, e.Status) &&
			matches(f.resource, e.Resource) && matches(f.resourceID, e.ResourceID)
	})
	return http.StatusOK, paginate(list, func(e *event) int64 { return e.seq }, page,
		func(e *event) event { return eventView(e, false) }), nil
}

func (s *Server) withEvent(r *http.Request, c caller, fn func(e *event) (int, any, *apiError)) (int, any, *apiError) {
	return withPath(s, r, c, "event_id", s.db.eventIn, fn)
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withEvent(r, c, func(e *event) (int, any, *apiError) { return http.StatusOK, eventView(e, false), nil })
}

func (s *Server) getEventPayload(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withEvent(r, c, func(e *event) (int, any, *apiError) { return http.StatusOK, eventView(e, true), nil })
}
