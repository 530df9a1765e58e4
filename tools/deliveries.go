package tools

import (
	"context"
	"encoding/json"
	"fmt"
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

// eventsPageSize is how many events list_deliveries reads per Meshes page.
const eventsPageSize = 50

// maxListedError keeps one long destination error from crowding out the
// other deliveries of a list; get_event shows it whole.
const maxListedError = 300

// listDeliveries walks the workspace's events newest first and flattens
// their deliveries. It stops at limit deliveries, at the byte budget, or
// after MaxScanEvents events, and the cursor resumes at the exact delivery.
func (c *Catalog) listDeliveries(ctx context.Context, in *schemas.ListDeliveriesInput) (*schemas.ListDeliveriesOutput, error) {
	cur, err := decodeCursor("list_deliveries", in.Cursor)
	if err != nil {
		return nil, err
	}
	out := &schemas.ListDeliveriesOutput{Deliveries: []schemas.Delivery{}, ByStatus: map[string]int{}}
	used := 0
	apiCursor, offset, sub := cur.API, cur.Offset, cur.Sub
	for {
		list, err := c.client.ListWorkspaceEvents(ctx, in.WorkspaceID, meshesapi.EventQuery{
			Page: meshesapi.Page{Limit: eventsPageSize, Cursor: apiCursor}, Event: in.Event,
		})
		if err != nil {
			return nil, err
		}
		events := list.Records[min(offset, len(list.Records)):]
		if err := c.fillDeliveries(ctx, events); err != nil {
			return nil, err
		}
		for i := range events {
			res := events[i].RuleEvents
			for j := min(sub, len(res)); j < len(res); j++ {
				re := &res[j]
				if (in.ConnectionID != "" && !strings.EqualFold(re.Connection, in.ConnectionID)) ||
					(in.RuleID != "" && !strings.EqualFold(re.Rule, in.RuleID)) {
					continue
				}
				if in.Status != "" && re.Status != in.Status {
					out.ByStatus[re.Status]++
					continue
				}
				d := deliveryOut(re, true)
				if d.EventID == "" {
					d.EventID, d.Event = events[i].ID, events[i].Event
				}
				d.LastError = clip300(d.LastError)
				n := size(d) + 1
				if len(out.Deliveries) >= in.Limit || used+n > c.budget() {
					out.NextCursor = cursor{Tool: "list_deliveries", API: apiCursor, Offset: offset + i, Sub: j}.encode()
					if len(out.Deliveries) < in.Limit {
						out.Notice = "cut short to keep the result small; call again with cursor for more"
					}
					return finishDeliveries(out), nil
				}
				out.ByStatus[re.Status]++
				used += n
				out.Deliveries = append(out.Deliveries, d)
			}
			sub = 0
			out.EventsScanned++
			if out.EventsScanned >= c.limits.MaxScanEvents && (i+1 < len(events) || list.NextCursor != nil) {
				out.NextCursor = cursor{Tool: "list_deliveries", API: apiCursor, Offset: offset + i + 1}.encode()
				out.Notice = fmt.Sprintf("scanned the %d newest events; call again with cursor to scan older ones", out.EventsScanned)
				return finishDeliveries(out), nil
			}
		}
		if list.NextCursor == nil || *list.NextCursor == "" || *list.NextCursor == apiCursor {
			return finishDeliveries(out), nil
		}
		apiCursor, offset = *list.NextCursor, 0
	}
}

func finishDeliveries(out *schemas.ListDeliveriesOutput) *schemas.ListDeliveriesOutput {
	out.Count = len(out.Deliveries)
	return out
}

func clip300(s string) string {
	if len(s) <= maxListedError {
		return s
	}
	return strings.ToValidUTF8(s[:maxListedError-3], "") + "..."
}

// fillDeliveries fetches, with bounded concurrency, the deliveries of events
// whose list entry came without them (Meshes says list entries "may"
// embed rule_events).
func (c *Catalog) fillDeliveries(ctx context.Context, events []meshesapi.Event) error {
	var missing []int
	for i := range events {
		if events[i].RuleEvents == nil && (events[i].TotalRules == nil || *events[i].TotalRules > 0) {
			missing = append(missing, i)
		}
	}
	return forEach(ctx, c.log, c.limits.Concurrency, missing, func(ctx context.Context, i int) error {
		e, err := c.event(ctx, events[i].ID, false)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		events[i].RuleEvents = e.RuleEvents
		return nil
	})
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
	next, _ := json.Marshal(map[string]string{"event_id": in.EventID})
	return &schemas.RetryDeliveryOutput{Delivery: d, Next: "retry queued; get_event " + string(next) + " shows its outcome"}, nil
}
