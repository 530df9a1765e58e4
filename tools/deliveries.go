package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func (c *Catalog) deliveryTools() []Tool {
	return []Tool{
		newTool(reading("list_deliveries", "List deliveries", toolsetDeliveries,
			"Per-rule deliveries of a workspace's recent events, with counts by status.").inWorkspace("workspace_id"), c.listDeliveries),
		newTool(writing("retry_delivery", "Retry delivery", toolsetDeliveries,
			"Redeliver an event through one rule after fixing the cause.", false, false).reachesOut().
			onObject(objEvent, "event_id").onObject(objRule, "rule_id"), c.retryDelivery),
		newTool(reading("diagnose_event", "Diagnose event", toolsetDeliveries,
			"Explain an event's failed or missing deliveries and the call that fixes each.").onObject(objEvent, "event_id"), c.diagnoseEvent),
		newTool(reading("get_delivery", "Get delivery", toolsetDeliveries,
			"One delivery's attempts: outcome_code, timing and the destination's own answer.").
			onObject(objEvent, "event_id").onObject(objRule, "rule_id"), c.getDelivery),
		newTool(writing("cancel_delivery", "Cancel delivery", toolsetDeliveries,
			"Stop further attempts of an event's delivery through one rule, or of all its unfinished ones.", true, true).
			onObject(objEvent, "event_id").onObject(objRule, "rule_id"), c.cancelDelivery),
	}
}

// maxEventsPage is the largest page Meshes serves of a workspace's events
// (contract §4.4): one request covers what a call may scan
// (DefaultMaxScanEvents), and the events' own details are fetched only for
// those the result needs.
const maxEventsPage = 200

// eventsPageSize is the page list_deliveries reads events with. A filter
// may skip any number of deliveries, so it reads the largest page; without
// one, every event but those that matched no rule fills the page, and
// twice the limit leaves room for those without paying to read (and have
// Meshes render) 200 events with their deliveries for a page of 20. A
// cursor keeps the page size it was made with, so that its offset keeps
// its meaning.
func eventsPageSize(in *schemas.ListDeliveriesInput, cur cursor) int {
	switch {
	case cur.Limit > 0:
		return cur.Limit
	case in.Status != "" || in.ConnectionID != "" || in.RuleID != "":
		return maxEventsPage
	}
	return min(maxEventsPage, max(2*in.Limit, 20))
}

// maxListedError keeps one long destination error from crowding out the
// other deliveries of a list; get_delivery shows it whole.
const maxListedError = 300

// eventStream is one server-side filtered list of a workspace's events.
type eventStream struct {
	status string // the API's status filter; "" for none
}

// deliveryStreams maps the status a caller asks for to the event lists
// that hold such deliveries, read one after the other, and to the delivery
// statuses that match.
//
// A failure is what a user debugging deliveries wants to see, whether it
// has ended (failed) or is still being retried (retrying), so status
// "failed" lists both, those still retrying first. Both are read with
// Meshes' own status filter, so a failure behind a thousand newer
// successes is found in one call. An event's status is failed or retrying
// when one of its deliveries is; processing likewise. A pending, completed
// or canceled delivery can sit in an event of several statuses, so those
// are found by reading the newest events unfiltered.
func deliveryStreams(status string) ([]eventStream, []string) {
	switch status {
	case "failed":
		return []eventStream{{"retrying"}, {"failed"}}, []string{"retrying", "failed"}
	case "retrying", "processing":
		return []eventStream{{status}}, []string{status}
	case "":
		return []eventStream{{}}, nil
	}
	return []eventStream{{}}, []string{status}
}

// deliveryScan is the state of one list_deliveries call.
type deliveryScan struct {
	c        *Catalog
	in       *schemas.ListDeliveriesInput
	statuses []string
	pageSize int
	out      *schemas.ListDeliveriesOutput
	used     int
	newest   string
	oldest   string
}

// matches applies the connection, rule and status filters to a delivery;
// counted reports whether it counts in by_status (every status does).
func (s *deliveryScan) matches(re *meshesapi.RuleEvent) (shown, counted bool) {
	if (s.in.ConnectionID != "" && !strings.EqualFold(re.Connection, s.in.ConnectionID)) ||
		(s.in.RuleID != "" && !strings.EqualFold(re.Rule, s.in.RuleID)) {
		return false, false
	}
	return len(s.statuses) == 0 || slices.Contains(s.statuses, re.Status), true
}

// expected is how many deliveries an event whose details are not fetched
// yet will at least contribute, so that a wave fetches no more events than
// the page needs: an event that matched no rule none, one with known rules
// (and no filter that may skip some) all of them, any other at least one.
func (s *deliveryScan) expected(e *meshesapi.Event) int {
	if e.RuleEvents != nil {
		n := 0
		for i := range e.RuleEvents {
			if shown, _ := s.matches(&e.RuleEvents[i]); shown {
				n++
			}
		}
		return n
	}
	if e.TotalRules != nil && *e.TotalRules == 0 {
		return 0
	}
	if e.TotalRules != nil && s.in.ConnectionID == "" && s.in.RuleID == "" && len(s.statuses) == 0 {
		return *e.TotalRules
	}
	return 1
}

// listDeliveries reads the workspace's events newest first (with Meshes'
// status filter when the status allows it, see deliveryStreams) and
// flattens their deliveries. Events whose list entry came without its
// deliveries are fetched in concurrent waves, each only as large as the
// page still needs. It stops at limit deliveries, at the byte budget, or
// after MaxScanEvents events, and the cursor resumes at the exact delivery.
func (c *Catalog) listDeliveries(ctx context.Context, in *schemas.ListDeliveriesInput) (*schemas.ListDeliveriesOutput, error) {
	cur, err := decodeCursor("list_deliveries", in.Cursor)
	if err != nil {
		return nil, err
	}
	streams, statuses := deliveryStreams(in.Status)
	if cur.Stream >= len(streams) {
		return nil, &argError{msg: "invalid arguments: cursor belongs to a list_deliveries call with another status; call without cursor to start over."}
	}
	s := &deliveryScan{c: c, in: in, statuses: statuses, pageSize: eventsPageSize(in, cur),
		out: &schemas.ListDeliveriesOutput{Deliveries: []schemas.Delivery{}, ByStatus: map[string]int{}}}
	pages, notice, err := s.firstPages(ctx, streams, cur)
	if err != nil {
		return nil, err
	}
	s.out.Notice = notice
	for si := cur.Stream; si < len(streams); si++ {
		pos := cursor{Tool: "list_deliveries", Stream: si, Limit: s.pageSize}
		if si == cur.Stream {
			pos.API, pos.Offset, pos.Sub, pos.Event = cur.API, cur.Offset, cur.Sub, cur.Event
		}
		done, err := s.readStream(ctx, streams[si], pos, pages[si])
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	s.out.Count = len(s.out.Deliveries)
	s.out.Window = s.window(streams)
	return s.out, nil
}

// firstPages reads, in one wave, the page the cursor points at and the
// first page of every later stream, so that a call that moves on from one
// stream to the next pays no extra round trip. A stream whose status filter
// Meshes refuses (an API that knows only the original four statuses may
// refuse "retrying") is skipped with a notice.
func (s *deliveryScan) firstPages(ctx context.Context, streams []eventStream, cur cursor) ([]*meshesapi.List[meshesapi.Event], string, error) {
	// Each stream's read fills its own slots, so the wave needs no lock.
	pages := make([]*meshesapi.List[meshesapi.Event], len(streams))
	errs := make([]error, len(streams))
	idx := make([]int, 0, len(streams))
	for si := cur.Stream; si < len(streams); si++ {
		idx = append(idx, si)
	}
	_ = forEach(ctx, s.c.log, len(idx), idx, func(ctx context.Context, si int) error {
		apiCursor := ""
		if si == cur.Stream {
			apiCursor = cur.API
		}
		pages[si], errs[si] = s.eventsPage(ctx, streams[si], apiCursor)
		return nil
	})
	var notice string
	for _, si := range idx {
		err := errs[si]
		switch {
		case err == nil:
		case streams[si].status != "" && errors.Is(err, meshesapi.ErrInvalidRequest) && len(streams) > 1:
			pages[si] = &meshesapi.List[meshesapi.Event]{}
			notice = joinNotice(notice, fmt.Sprintf("Meshes refused status filter %q, so those deliveries are not listed", streams[si].status))
		default:
			return nil, "", err
		}
	}
	return pages, notice, nil
}

func (s *deliveryScan) eventsPage(ctx context.Context, st eventStream, apiCursor string) (*meshesapi.List[meshesapi.Event], error) {
	return s.c.client.ListWorkspaceEvents(ctx, s.in.WorkspaceID, meshesapi.EventQuery{
		Page: meshesapi.Page{Limit: s.pageSize, Cursor: apiCursor}, Event: s.in.Event, Status: st.status,
	})
}

// readStream walks one stream from pos; done reports that the result is
// complete (limit, budget or scan cap reached) and later streams must wait
// for the cursor.
func (s *deliveryScan) readStream(ctx context.Context, st eventStream, pos cursor, list *meshesapi.List[meshesapi.Event]) (bool, error) {
	for {
		if list == nil {
			var err error
			if list, err = s.eventsPage(ctx, st, pos.API); err != nil {
				return false, err
			}
		}
		events := list.Records
		offset := resumeAt(events, pos)
		for i := offset; i < len(events); {
			if err := s.fillWave(ctx, events[i:]); err != nil {
				return false, err
			}
			if events[i].RuleEvents == nil && s.expected(&events[i]) > 0 {
				// The wave fetched nothing: the page is full before this event.
				s.out.NextCursor = cursor{Tool: "list_deliveries", Stream: pos.Stream, API: pos.API, Offset: i, Event: events[i].ID, Limit: s.pageSize}.encode()
				return true, nil
			}
			for ; i < len(events) && (events[i].RuleEvents != nil || s.expected(&events[i]) == 0); i++ {
				e := &events[i]
				sub := 0
				if i == offset && pos.Event != "" && strings.EqualFold(e.ID, pos.Event) {
					sub = pos.Sub
				}
				if stop := s.addEvent(e, sub, func(j int) cursor {
					return cursor{Tool: "list_deliveries", Stream: pos.Stream, API: pos.API, Offset: i, Event: e.ID, Sub: j, Limit: s.pageSize}
				}); stop {
					return true, nil
				}
				if s.out.EventsScanned >= s.c.limits.MaxScanEvents && (i+1 < len(events) || hasNext(list, pos.API)) {
					s.out.NextCursor = cursor{Tool: "list_deliveries", Stream: pos.Stream, API: pos.API, Offset: i + 1, Limit: s.pageSize}.encode()
					s.out.Notice = joinNotice(s.out.Notice, fmt.Sprintf("scanned %d events; call again with cursor to scan older ones", s.out.EventsScanned))
					return true, nil
				}
			}
		}
		if !hasNext(list, pos.API) {
			return false, nil
		}
		pos = cursor{Tool: "list_deliveries", Stream: pos.Stream, API: *list.NextCursor, Limit: s.pageSize}
		list = nil
	}
}

func hasNext(list *meshesapi.List[meshesapi.Event], current string) bool {
	return list.NextCursor != nil && *list.NextCursor != "" && *list.NextCursor != current
}

// resumeAt finds where a cursor resumes in a re-read page: at the event it
// names (new events may have pushed it down the page), else at its offset.
func resumeAt(events []meshesapi.Event, pos cursor) int {
	if pos.Event != "" {
		for i := range events {
			if strings.EqualFold(events[i].ID, pos.Event) {
				return i
			}
		}
	}
	return min(pos.Offset, len(events))
}

// fillWave fetches, in one concurrent wave, the deliveries of the leading
// events that came without them, as many as the page still needs.
func (s *deliveryScan) fillWave(ctx context.Context, events []meshesapi.Event) error {
	need := s.in.Limit - len(s.out.Deliveries)
	scanLeft := s.c.limits.MaxScanEvents - s.out.EventsScanned
	var missing []int
	for i := 0; i < len(events) && need > 0 && i < scanLeft; i++ {
		n := s.expected(&events[i])
		if events[i].RuleEvents == nil && n > 0 {
			missing = append(missing, i)
		}
		need -= n
	}
	return forEach(ctx, s.c.log, s.c.limits.ReadFanout, missing, func(ctx context.Context, i int) error {
		e, err := s.c.event(ctx, events[i].ID, false)
		switch {
		case isNotFound(err):
			events[i].RuleEvents = []meshesapi.RuleEvent{} // deleted since it was listed
		case err != nil:
			return err
		default:
			events[i].RuleEvents = e.RuleEvents
			if events[i].RuleEvents == nil {
				events[i].RuleEvents = []meshesapi.RuleEvent{}
			}
		}
		return nil
	})
}

// addEvent adds the event's deliveries from sub on; stop reports that the
// result is full, with the cursor set at the delivery that did not fit.
func (s *deliveryScan) addEvent(e *meshesapi.Event, sub int, at func(j int) cursor) (stop bool) {
	res := e.RuleEvents
	for j := min(sub, len(res)); j < len(res); j++ {
		re := &res[j]
		shown, counted := s.matches(re)
		if !shown {
			if counted {
				s.out.ByStatus[re.Status]++
			}
			continue
		}
		d := deliveryOut(re, true)
		if d.EventID == "" {
			d.EventID, d.Event = e.ID, e.Event
		}
		d.LastError = clip300(d.LastError)
		n := size(d) + 1
		if len(s.out.Deliveries) >= s.in.Limit || s.used+n > s.c.budget() {
			s.out.NextCursor = at(j).encode()
			if len(s.out.Deliveries) < s.in.Limit {
				s.out.Notice = joinNotice(s.out.Notice, "cut short to keep the result small; call again with cursor for more")
			}
			return true
		}
		s.out.ByStatus[re.Status]++
		s.used += n
		s.out.Deliveries = append(s.out.Deliveries, d)
	}
	s.out.EventsScanned++
	if s.newest == "" || e.CreatedAt > s.newest {
		s.newest = e.CreatedAt
	}
	if s.oldest == "" || e.CreatedAt < s.oldest {
		s.oldest = e.CreatedAt
	}
	return false
}

// window says which events the counts cover.
func (s *deliveryScan) window(streams []eventStream) string {
	which := "events"
	var filters []string
	for _, st := range streams {
		if st.status != "" {
			filters = append(filters, st.status)
		}
	}
	if len(filters) > 0 {
		which = "events with status " + strings.Join(filters, " or ")
	}
	if s.in.Event != "" {
		which += fmt.Sprintf(" named %q", s.in.Event)
	}
	w := fmt.Sprintf("by_status counts the deliveries of the %d newest %s read by this call", s.out.EventsScanned, which)
	if s.out.NextCursor == "" {
		w = fmt.Sprintf("by_status counts the deliveries of all %d %s from this point on", s.out.EventsScanned, which)
	}
	if s.oldest != "" {
		w += fmt.Sprintf(", created %s to %s", s.oldest, s.newest)
	}
	return w
}

func clip300(s string) string {
	if len(s) <= maxListedError {
		return s
	}
	return strings.ToValidUTF8(s[:maxListedError-3], "") + "..."
}

func (c *Catalog) retryDelivery(ctx context.Context, in *schemas.RetryDeliveryInput) (*schemas.RetryDeliveryOutput, error) {
	re, err := c.client.RetryDelivery(ctx, in.EventID, in.RuleID)
	if err != nil {
		return nil, err
	}
	d := deliveryOut(re, true)
	if d.EventID == "" {
		d.EventID = in.EventID
	}
	next, _ := json.Marshal(map[string]string{"event_id": in.EventID, "rule_id": in.RuleID})
	return &schemas.RetryDeliveryOutput{Delivery: d, Next: "retry queued; get_delivery " + string(next) + " shows the attempt and its outcome"}, nil
}
