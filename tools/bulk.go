package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// send_events accepts any number of events and sends them in batches that
// fit one bulk request: at most meshesapi.MaxBulkEvents events and at most
// the client's MaxRequestBytes, a few batches at a time. Every event ends
// with exactly one status. An event too large to be sent even alone is
// reported not_sent while the others go out. A batch whose fate Meshes did
// not confirm (timeout, 5xx, unreadable answer) is reported "unknown" item by
// item and never sent again: resending could deliver each event twice, and
// only the caller can check (list_events) which ones arrived.

const (
	statusAccepted = "accepted"
	statusRejected = "rejected"
	statusUnknown  = "unknown"
	statusNotSent  = "not_sent"
)

func (c *Catalog) sendEvents(ctx context.Context, in *schemas.SendEventsInput) (*schemas.SendEventsOutput, error) {
	if len(in.Events) > c.limits.MaxEvents {
		return nil, &schemas.FieldError{Field: "events", Rule: fmt.Sprintf("must have at most %d items per call; split them", c.limits.MaxEvents)}
	}
	requests := make([]meshesapi.EventInput, len(in.Events))
	sizes := make([]int64, len(in.Events))
	for i := range in.Events {
		requests[i] = eventRequest(in.Events[i].Input())
		size, err := meshesapi.EventSize(requests[i])
		if err != nil {
			return nil, &schemas.FieldError{Field: "events[" + strconv.Itoa(i) + "].payload", Rule: "cannot be encoded as JSON: " + err.Error()}
		}
		sizes[i] = size
	}
	items := make([]schemas.BulkItem, len(in.Events))
	for i := range items {
		items[i] = schemas.BulkItem{Index: i, Status: statusNotSent, Error: "not sent: the call was cancelled first"}
	}
	limit := c.client.MaxRequestBytes()
	batches, tooLarge := packBatches(sizes, limit)
	for _, i := range tooLarge {
		items[i].Error = fmt.Sprintf("not sent: events[%d].payload is too large: a request holding this event alone would be %d bytes, "+
			"over the %d-byte limit for a request to Meshes (%s); put large blobs in your own storage and send a reference, then send this event again",
			i, sizes[i]+meshesapi.BulkFraming(1), limit, meshesapi.EnvMaxRequestBytes)
	}
	total := len(in.Events) - len(tooLarge)
	var (
		mu   sync.Mutex
		done int
		// perItem is set once Meshes answered some batch item by item, so
		// that its outcomes (per-event rejections) are worth listing.
		perItem = len(tooLarge) > 0
	)
	// Every batch ends in an item status, never an error, so forEach stops
	// early only when the call is cancelled; the batches it did not start
	// keep their not_sent status.
	_ = forEach(ctx, c.log, c.limits.Concurrency, batches, func(ctx context.Context, batch []int) error {
		outcome, itemised := c.sendBatch(ctx, requests, batch)
		mu.Lock()
		perItem = perItem || itemised
		for _, it := range outcome {
			items[it.Index] = it
		}
		done += len(batch)
		n := done
		mu.Unlock()
		reportProgress(ctx, n, total, fmt.Sprintf("%d of %d events sent", n, total))
		return nil
	})
	out := c.bulkResult(in.Events, items)
	if out.Accepted == 0 && !perItem {
		return nil, totalFailure(items)
	}
	return out, nil
}

// bulkFailureError is a send_events call of which no event was accepted
// and every batch failed as a whole (Meshes down, a wrong URL, credentials
// refused): an error result that states each distinct cause once with the
// events it applies to, instead of a success with every item repeating the
// same long message. Events whose outcome is unknown are still named as
// such, never as not sent. When Meshes answered item by item, or an event
// was too large on its own, the per-item report stays.
type bulkFailureError struct{ text string }

func (e *bulkFailureError) Error() string { return e.text }

// maxCauses bounds how many distinct causes a total failure lists.
const maxCauses = 3

func totalFailure(items []schemas.BulkItem) error {
	type group struct {
		status, cause string
		indexes       []int
	}
	var groups []*group
	for _, it := range items {
		i := slices.IndexFunc(groups, func(g *group) bool { return g.status == it.Status && g.cause == it.Error })
		if i < 0 {
			groups = append(groups, &group{status: it.Status, cause: it.Error})
			i = len(groups) - 1
		}
		groups[i].indexes = append(groups[i].indexes, it.Index)
	}
	// Unknown outcomes first: they are the ones that must not be resent.
	rank := map[string]int{statusUnknown: 0, statusRejected: 1, statusNotSent: 2}
	slices.SortStableFunc(groups, func(a, b *group) int { return rank[a.status] - rank[b.status] })
	var b strings.Builder
	fmt.Fprintf(&b, "none of the %d events was accepted", len(items))
	for i, g := range groups {
		if i == maxCauses {
			fmt.Fprintf(&b, "; %d more causes for the other events", len(groups)-maxCauses)
			break
		}
		fmt.Fprintf(&b, "; %s %s: %s", eventsWord(len(g.indexes)), indexRanges(g.indexes), strings.TrimSuffix(g.cause, "."))
	}
	return &bulkFailureError{text: b.String()}
}

func eventsWord(n int) string {
	if n == 1 {
		return "event"
	}
	return "events"
}

// indexRanges writes sorted indexes compactly: "0-99, 150, 200-249".
func indexRanges(idx []int) string {
	idx = slices.Clone(idx)
	slices.Sort(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i])+"-"+strconv.Itoa(idx[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// sendBatch sends one batch and returns its items' statuses, and whether
// Meshes answered item by item (itemised). A panic while
// it runs (in the client, or in reading the answer) may come after Meshes
// accepted the events, so it leaves every item of the batch unknown, never
// silently not sent.
func (c *Catalog) sendBatch(ctx context.Context, requests []meshesapi.EventInput, batch []int) (outcome []schemas.BulkItem, itemised bool) {
	err := contain(c.log, "a send_events batch", func() error {
		events := make([]meshesapi.EventInput, len(batch))
		for j, i := range batch {
			events[j] = requests[i]
		}
		res, err := c.client.SendEvents(ctx, events)
		outcome = batchOutcome(batch, res, err)
		itemised = err == nil && len(res.Records) == len(batch)
		return nil
	})
	if err != nil {
		outcome, itemised = batchOutcome(batch, nil, err), false
	}
	return outcome, itemised
}

// packBatches splits events, given their encoded sizes (meshesapi.EventSize),
// into bulk requests in order: at most MaxBulkEvents events and at most limit
// bytes each. An event that would not fit even alone is left out and listed
// in tooLarge, so that it cannot hold back the rest. Every index ends up in
// exactly one batch or in tooLarge.
func packBatches(sizes []int64, limit int64) (batches [][]int, tooLarge []int) {
	var cur []int
	var curBytes int64 // event bytes in cur, without the array's framing
	for i, size := range sizes {
		if size+meshesapi.BulkFraming(1) > limit {
			tooLarge = append(tooLarge, i)
			continue
		}
		if len(cur) == meshesapi.MaxBulkEvents || curBytes+size+meshesapi.BulkFraming(len(cur)+1) > limit {
			batches = append(batches, cur)
			cur, curBytes = nil, 0
		}
		cur = append(cur, i)
		curBytes += size
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches, tooLarge
}

// batchOutcome assigns each event of one batch (indexes into the call's
// events) its status. Meshes' records are read as index-aligned with the
// request, the contract's suggested reading (docs/meshes-api.md §17 q10); when their count
// differs, alignment cannot be trusted and every item is reported unknown
// rather than guessed.
func batchOutcome(batch []int, res *meshesapi.BulkResult, err error) []schemas.BulkItem {
	out := make([]schemas.BulkItem, len(batch))
	set := func(status, msg string) {
		for j, i := range batch {
			out[j] = schemas.BulkItem{Index: i, Status: status, Error: msg}
		}
	}
	var (
		netErr   *meshesapi.NetworkError
		tooLarge *meshesapi.RequestTooLargeError
		panicked *panicError
	)
	switch {
	case errors.As(err, &panicked):
		set(statusUnknown, "outcome unknown: "+panicked.Error()+", possibly after Meshes received this batch; check list_events before resending, never resend blindly")
	case err == nil && len(res.Records) != len(batch):
		set(statusUnknown, fmt.Sprintf("Meshes answered %d records for %d events, so per-event outcomes are unknown; check list_events before resending", len(res.Records), len(batch)))
	case err == nil:
		for j, r := range res.Records {
			switch {
			case r.Accepted():
				out[j] = schemas.BulkItem{Index: batch[j], Status: statusAccepted, EventID: r.ID}
			case r.Message == "" && len(r.Error) == 0:
				// Neither an id nor a reason: Meshes may have stored it.
				out[j] = schemas.BulkItem{Index: batch[j], Status: statusUnknown,
					Error: "Meshes answered neither an event id nor a reason for this event, so its outcome is unknown; check list_events before resending"}
			default:
				msg := r.Message
				if msg == "" {
					msg = "rejected by Meshes without a reason"
				}
				out[j] = schemas.BulkItem{Index: batch[j], Status: statusRejected, Error: redactText(msg)}
			}
		}
	case meshesapi.IsOutcomeUnknown(err):
		set(statusUnknown, "outcome unknown: check list_events before resending, never resend blindly ("+strings.TrimSuffix(errorText(err), ".")+")")
	case errors.As(err, &netErr) && !netErr.Sent, errors.As(err, &tooLarge):
		set(statusNotSent, "not sent, safe to resend: "+errorText(err))
	case errors.Is(err, context.Canceled):
		set(statusNotSent, "not sent: the call was cancelled first")
	default:
		set(statusRejected, errorText(err))
	}
	return out
}

// listedAccepted is how many accepted events a send_events result lists one
// by one. Beyond it, only the first and the last accepted are listed and the
// notice gives the list_events filters that read all of them back: a
// thousand accepted ids cost about 16k tokens and tell the model nothing a
// count does not.
const listedAccepted = 10

// bulkResult merges the items: counts are complete; the item list shows
// every problem first (within the budget), then the accepted events, or
// when there are more than listedAccepted of them the first and the last.
func (c *Catalog) bulkResult(events []schemas.EventItem, items []schemas.BulkItem) *schemas.SendEventsOutput {
	out := &schemas.SendEventsOutput{Total: len(items)}
	var problems, accepted []schemas.BulkItem
	for _, it := range items {
		switch it.Status {
		case statusAccepted:
			out.Accepted++
			accepted = append(accepted, it)
			continue
		case statusRejected:
			out.Rejected++
		case statusUnknown:
			out.Unknown++
		case statusNotSent:
			out.NotSent++
		}
		problems = append(problems, it)
	}
	var summary string
	if len(accepted) > listedAccepted {
		summary = acceptedSummary(events, accepted)
		accepted = []schemas.BulkItem{accepted[0], accepted[len(accepted)-1]}
	}
	listed := append(problems, accepted...)
	out.Items, out.Notice = fitAll(c, listed,
		"%d of %d items listed to keep the result small (problems first); the counts cover all")
	out.Notice = joinNotice(summary, out.Notice)
	return out
}

// acceptedSummary says which accepted events the item list leaves out and
// where to read them: list_events filtered by each workspace and event name
// the accepted events used, newest first.
func acceptedSummary(events []schemas.EventItem, accepted []schemas.BulkItem) string {
	type filter struct{ workspace, event string }
	var filters []filter
	for _, it := range accepted {
		f := filter{events[it.Index].WorkspaceID, events[it.Index].Event}
		if !slices.Contains(filters, f) {
			filters = append(filters, f)
		}
	}
	first, last := accepted[0], accepted[len(accepted)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "%d accepted events are not listed one by one, only the first (events[%d]) and the last (events[%d]); list_events reads them all back",
		len(accepted)-2, first.Index, last.Index)
	const maxFilters = 3
	for i, f := range filters {
		if i == maxFilters {
			fmt.Fprintf(&b, " and %d more workspace/event pairs", len(filters)-maxFilters)
			break
		}
		sep := " with "
		if i > 0 {
			sep = ", "
		}
		workspace := strconv.Quote(f.workspace)
		if f.workspace == "" {
			workspace = "the publishable key's workspace"
		}
		fmt.Fprintf(&b, `%s{"workspace_id": %s, "event": %q}`, sep, workspace, f.event)
	}
	return b.String()
}
