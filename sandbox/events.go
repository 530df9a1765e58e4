package sandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// eventInput is one event to ingest (docs/meshes-api.md §10.2), alone or as a bulk item.
type eventInput struct {
	Event      *string         `json:"event"`
	Payload    json.RawMessage `json:"payload"`
	Resource   *string         `json:"resource"`
	ResourceID *string         `json:"resource_id"`
	Type       *string         `json:"type"`
	Workspace  *string         `json:"workspace"`
}

// ingest validates one event, stores it and routes it: one delivery per
// matching active rule. It returns the reduced event and the jobs to queue
// once the lock is released.
//
// Event names and resources are free text up to 128 characters, resource
// ids up to 255 (docs/meshes-api.md §17 q19: no pattern is documented for events, so none is
// enforced); unknown names and resources join the workspace catalog.
func (s *Server) ingest(c caller, in eventInput, now time.Time) (reducedEvent, []job, *apiError) {
	var p problems
	if in.Event == nil {
		p.add("event", "is required")
	}
	name := checkNonBlank(&p, "event", in.Event, maxEventName)
	payload := checkPayload(&p, "payload", in.Payload)
	resource := checkNonBlank(&p, "resource", in.Resource, maxResourceKey)
	resourceID := checkNonBlank(&p, "resource_id", in.ResourceID, maxEventResID)
	if in.Type != nil && *in.Type != "event" {
		p.add("type", "must be \"event\"")
	}
	wsID := ""
	if in.Workspace != nil {
		wsID = checkUUIDField(&p, "workspace", in.Workspace)
	} else if c.keyWorkspace == "" {
		p.add("workspace", "is required when authenticating with a machine key (machine keys are organization-wide)")
	}
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return reducedEvent{}, nil, aerr
	}
	if c.keyWorkspace != "" {
		// A publishable key implies its workspace; naming another one is a
		// permission problem, not a malformed request (docs/meshes-api.md §17 q11).
		if wsID != "" && wsID != c.keyWorkspace {
			return reducedEvent{}, nil, errorf(http.StatusForbidden, "forbidden: the publishable key belongs to workspace %s, not %s", c.keyWorkspace, wsID)
		}
		wsID = c.keyWorkspace
	}
	if resource == "" {
		resource = defaultResource
	}

	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ws, aerr := s.db.workspaceIn(c.orgID, wsID)
	if aerr != nil {
		return reducedEvent{}, nil, aerr
	}
	ev := &event{ID: newUUID(), Type: "event", Workspace: wsID, Event: name, Resource: resource, ResourceID: resourceID,
		Status: statusPending, CreatedBy: c.createdBy, CreatedAt: timestamp(now), seq: s.db.nextSeq(), payload: payload}
	matched := values(s.db.rules, func(rl *rule) bool { return ruleMatches(rl, ev) })
	slices.SortFunc(matched, func(a, b *rule) int { return cmp.Compare(a.seq, b.seq) }) // rule_events in rule creation order
	var jobs []job
	for _, rl := range matched {
		re := &ruleEvent{ID: newUUID(), Type: "rule", Workspace: wsID, Event: name, EventID: ev.ID,
			Resource: resource, ResourceID: resourceID, Connection: rl.Connection, Rule: rl.ID,
			IntegrationType: rl.Type, Status: statusPending, CreatedBy: c.createdBy, CreatedAt: timestamp(now)}
		ev.deliveries = append(ev.deliveries, re)
		s.db.ruleEvents[re.ID] = re
		jobs = append(jobs, job{id: re.ID})
	}
	s.refreshEvent(ev, now)
	s.db.events[ev.ID] = ev
	ws.eventTypes = catalogAdd(ws.eventTypes, name, c.createdBy, now)
	ws.resources = catalogAdd(ws.resources, resource, c.createdBy, now)
	return reducedEvent{ID: ev.ID, Event: name, Resource: resource, ResourceID: resourceID, Type: "event",
		Workspace: wsID, CreatedBy: c.createdBy, CreatedAt: ev.CreatedAt}, jobs, nil
}

// ruleMatches is the docs/meshes-api.md §9 routing rule: same workspace and event name, rule
// active, and each of the rule's resource / resource_id, when set, equal to
// the event's.
func ruleMatches(rl *rule, ev *event) bool {
	return rl.Active && rl.Workspace == ev.Workspace && rl.Event == ev.Event &&
		matches(rl.Resource, ev.Resource) && matches(rl.ResourceID, ev.ResourceID)
}

// refreshEvent derives the event's status and counters from its deliveries
// (docs/meshes-api.md §11). Caller holds mu.
//
// Event status: completed when nothing matched or every delivery ended well
// (canceled ones count as ended); failed when all ended and one failed;
// canceled when all were canceled; otherwise processing once any attempt
// started (retrying when the only activity is a scheduled retry), else
// pending.
func (s *Server) refreshEvent(ev *event, now time.Time) {
	counts := map[string]int{}
	for _, re := range ev.deliveries {
		counts[re.Status]++
		if re.StartedAt != nil && (ev.StartedAt == nil || time.Time(*re.StartedAt).Before(time.Time(*ev.StartedAt))) {
			ev.StartedAt = re.StartedAt
		}
	}
	total := len(ev.deliveries)
	ev.TotalRules, ev.CompletedCount, ev.FailedCount = total, counts[statusCompleted], counts[statusFailed]
	ended := counts[statusCompleted] + counts[statusFailed] + counts[statusCanceled]
	switch {
	case ended < total && counts[statusProcessing] > 0:
		ev.Status = statusProcessing
	case ended < total && counts[statusRetrying] > 0:
		ev.Status = statusRetrying
	case ended < total && (ended > 0 || ev.StartedAt != nil):
		ev.Status = statusProcessing
	case ended < total:
		ev.Status = statusPending
	case counts[statusFailed] > 0:
		ev.Status = statusFailed
	case total > 0 && counts[statusCanceled] == total:
		ev.Status = statusCanceled
	default:
		ev.Status = statusCompleted
	}
	if ended < total {
		ev.CompletedAt = nil
	} else if ev.CompletedAt == nil {
		ev.CompletedAt = stamp(now)
	}
}

// eventView is an event's wire form with its delivery matrix.
func eventView(e *event, withPayload bool) event {
	v := *e
	v.RuleEvents = make([]ruleEvent, len(e.deliveries))
	for i, re := range e.deliveries {
		v.RuleEvents[i] = *re
	}
	if withPayload {
		v.Payload = e.payload
	}
	return v
}
