package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func (c *Catalog) eventTools() []Tool {
	send := writing("send_event", "Send event", toolsetEvents,
		"Emit one event; delivery is asynchronous (check with get_event).", false, false).reachesOut().emitsTo("workspace_id")
	sendMany := writing("send_events", "Send events", toolsetEvents,
		"Emit any number of events (batches of up to 100) with per-item results.", false, false).reachesOut().emitsTo("events[].workspace_id")
	if !c.opts.PublishableKey {
		// Machine credentials are organisation-wide, so each event must
		// name its workspace (docs/meshes-api.md §3.3).
		send.inputOptions = []schemas.Option{schemas.Require("workspace_id")}
		sendMany.inputOptions = []schemas.Option{schemas.Require("events", "workspace_id")}
	}
	return []Tool{
		newTool(send, c.sendEvent),
		newTool(sendMany, c.sendEvents),
		newTool(reading("list_events", "List events", toolsetEvents,
			"List events, newest first, with delivery counts.").inWorkspace("workspace_id"), c.listEvents),
		newTool(reading("get_event", "Get event", toolsetEvents,
			"Get an event with its per-rule deliveries.").onObject(objEvent, "event_id").
			readingPayloadWhen(func(args any) bool { return readsPayload(args.(*schemas.GetEventInput)) }), c.getEvent),
	}
}

func eventRequest(in *schemas.EventInput) meshesapi.EventInput {
	return meshesapi.EventInput{
		Event: in.Event, Payload: json.RawMessage(in.Payload), Resource: in.Resource, ResourceID: in.ResourceID, Workspace: in.WorkspaceID,
	}
}

func (c *Catalog) sendEvent(ctx context.Context, in *schemas.SendEventInput) (*schemas.SendEventOutput, error) {
	r, err := c.client.SendEvent(ctx, eventRequest(&in.EventInput))
	var tooLarge *meshesapi.RequestTooLargeError
	if errors.As(err, &tooLarge) {
		// The event's other fields are short; the payload is what to shrink.
		return nil, &schemas.FieldError{Field: "payload", Rule: fmt.Sprintf(
			"is too large: the event encodes to %d bytes, over the %d-byte limit for a request to Meshes (%s), so nothing was sent; "+
				"put large blobs in your own storage and send a reference, then call again",
			tooLarge.Size, tooLarge.Limit, meshesapi.EnvMaxRequestBytes)}
	}
	if err != nil {
		return nil, err
	}
	return &schemas.SendEventOutput{
		EventID: r.ID, Workspace: r.Workspace, Event: r.Event, Resource: r.Resource, ResourceID: r.ResourceID,
		CreatedAt: r.CreatedAt,
		Next:      fmt.Sprintf(`accepted and queued; get_event {"event_id": %q} shows its deliveries`, r.ID),
	}, nil
}

func (c *Catalog) listEvents(ctx context.Context, in *schemas.ListEventsInput) (*schemas.ListEventsOutput, error) {
	cur, err := decodeCursor("list_events", in.Cursor)
	if err != nil {
		return nil, err
	}
	limit := cur.pageSize(in.Limit)
	page := meshesapi.Page{Limit: limit, Cursor: cur.API}
	var list *meshesapi.List[meshesapi.Event]
	if in.WorkspaceID != "" {
		list, err = c.client.ListWorkspaceEvents(ctx, in.WorkspaceID, meshesapi.EventQuery{
			Page: page, Event: in.Event, Status: in.Status, Resource: in.Resource, ResourceID: in.ResourceID,
		})
	} else {
		list, err = c.client.ListEvents(ctx, page)
	}
	if err != nil {
		return nil, err
	}
	records := make([]schemas.Event, 0, len(list.Records))
	for i := range list.Records {
		records = append(records, eventOut(&list.Records[i]))
	}
	kept, p := c.pageRemote("list_events", records, list.NextCursor, cur, limit, func(e schemas.Event) bool {
		return visible(ctx, e.Workspace)
	})
	return &schemas.ListEventsOutput{Count: len(kept), Events: kept, Page: p}, nil
}

// pageRemote returns the part of one Meshes page to show, from the cursor's
// offset and within the budget, and how to continue: inside this page when
// the budget cut it, else at Meshes' next page. keep filters records the
// agent may not see; they still count as passed, so the cursor advances.
func (c *Catalog) pageRemote(tool string, records []schemas.Event, next *string, cur cursor, limit int, keep func(schemas.Event) bool) ([]schemas.Event, schemas.Page) {
	var shown []schemas.Event
	var p schemas.Page
	used := 0
	for i := min(cur.Offset, len(records)); i < len(records); i++ {
		if !keep(records[i]) {
			continue
		}
		b, _ := json.Marshal(records[i])
		used += len(b) + 1
		if used > c.budget() && len(shown) > 0 {
			p.NextCursor = cursor{Tool: tool, API: cur.API, Offset: i, Limit: limit}.encode()
			p.Notice = fmt.Sprintf("cut to %d events to keep the result small; call again with cursor for the rest", len(shown))
			return shown, p
		}
		shown = append(shown, records[i])
	}
	if next != nil && *next != "" {
		if *next == cur.API {
			p.Notice = "Meshes returned the same cursor again, so paging stopped here"
		} else {
			p.NextCursor = cursor{Tool: tool, API: *next}.encode()
		}
	}
	if shown == nil {
		shown = []schemas.Event{}
	}
	return shown, p
}

// readsPayload says whether get_event reads the event with its payload.
func readsPayload(in *schemas.GetEventInput) bool { return in.IncludePayload || in.PayloadPath != "" }

func (c *Catalog) getEvent(ctx context.Context, in *schemas.GetEventInput) (*schemas.GetEventOutput, error) {
	e, err := c.event(ctx, in.EventID, readsPayload(in))
	if err != nil {
		return nil, err
	}
	out := &schemas.GetEventOutput{Event: eventOut(e)}
	out.Deliveries = deliveriesOut(e.RuleEvents)
	if unrouted(e) {
		// Meshes reports an event without deliveries as completed; that
		// must not read as delivered.
		out.Notice = fmt.Sprintf(`matched no rule, so nothing was delivered although Meshes reports it %s; diagnose_event {"event_id": %q} says why`, e.Status, e.ID)
	}
	switch {
	case in.PayloadPath != "":
		part, err := payloadPart(e.Payload, in.PayloadPath)
		if err != nil {
			return nil, err
		}
		out.PayloadPart = part
		if size(out) > c.budget() {
			out.PayloadPart = nil
			c.outlineInstead(out, part, in.PayloadPath)
		}
	case in.IncludePayload:
		out.Payload = e.Payload
		if size(out) > c.budget() && out.Payload != nil {
			out.Payload = nil
			c.outlineInstead(out, e.Payload, "")
		}
	}
	if size(out) > c.budget() {
		kept, _ := window(out.Deliveries, 0, c.budget()/2)
		out.Notice = joinNotice(out.Notice, fmt.Sprintf("showing %d of %d deliveries; list_deliveries pages through them", len(kept), len(out.Deliveries)))
		out.Deliveries = kept
	}
	return out, nil
}

// outlineInstead reports a payload (or the part of it at path) too large to
// show by its outline, and says how to read a smaller part of it.
func (c *Catalog) outlineInstead(out *schemas.GetEventOutput, v any, path string) {
	what := "payload"
	if path != "" {
		what = "payload_path " + path
	}
	notice := fmt.Sprintf("%s left out: it is %s, too large to show", what, describeValue(v))
	outline, more := payloadOutline(v)
	if len(outline) > 0 {
		out.PayloadOutline = outline
		notice += "; payload_outline lists its parts"
		if more > 0 {
			notice += fmt.Sprintf(" (the first %d; %d more)", len(outline), more)
		}
		notice += "; read one with payload_path, e.g. " + strconv.Quote(subPath(path, slices.Sorted(maps.Keys(outline))[0]))
	}
	out.Notice = joinNotice(out.Notice, notice)
}

// subPath extends a payload path by one outline entry ("key" or "[i]").
func subPath(path, entry string) string {
	if path == "" || strings.HasPrefix(entry, "[") {
		return path + entry
	}
	return path + "." + entry
}

// size is the length of v's JSON.
func size(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}
