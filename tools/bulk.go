package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// send_events accepts any number of events and sends them in batches of
// meshesapi.MaxBulkEvents, a few batches at a time. Every event ends with
// exactly one status. A batch whose fate Meshes did not confirm (timeout,
// 5xx, unreadable answer) is reported "unknown" item by item and never sent
// again: resending could deliver each event twice, and only the caller can
// check (list_events) which ones arrived.

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
	for i := range in.Events {
		if err := c.eventWorkspace(ctx, "events["+strconv.Itoa(i)+"].workspace_id", in.Events[i].WorkspaceID); err != nil {
			return nil, err
		}
	}
	items := make([]schemas.BulkItem, len(in.Events))
	for i := range items {
		items[i] = schemas.BulkItem{Index: i, Status: statusNotSent, Error: "not sent: the call was cancelled first"}
	}
	total := len(in.Events)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, c.limits.Concurrency)
	)
	for start := 0; start < total; start += meshesapi.MaxBulkEvents {
		end := min(start+meshesapi.MaxBulkEvents, total)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(start, end int) {
			defer func() { <-sem; wg.Done() }()
			batch := make([]meshesapi.EventInput, 0, end-start)
			for i := start; i < end; i++ {
				batch = append(batch, eventRequest(in.Events[i].Input()))
			}
			res, err := c.client.SendEvents(ctx, batch)
			outcome := batchOutcome(start, end, res, err)
			mu.Lock()
			copy(items[start:end], outcome)
			done += end - start
			n := done
			mu.Unlock()
			reportProgress(ctx, n, total, fmt.Sprintf("%d of %d events sent", n, total))
		}(start, end)
	}
	wg.Wait()
	return c.bulkResult(items), nil
}

// batchOutcome assigns each event of one batch its status. Meshes' records
// are read as index-aligned with the request, the contract's suggested
// reading (§17 q10); when their count differs, alignment cannot be trusted
// and every item is reported unknown rather than guessed.
func batchOutcome(start, end int, res *meshesapi.BulkResult, err error) []schemas.BulkItem {
	out := make([]schemas.BulkItem, end-start)
	set := func(status, msg string) {
		for i := range out {
			out[i] = schemas.BulkItem{Index: start + i, Status: status, Error: msg}
		}
	}
	var netErr *meshesapi.NetworkError
	switch {
	case err == nil && len(res.Records) != end-start:
		set(statusUnknown, fmt.Sprintf("Meshes answered %d records for %d events, so per-event outcomes are unknown; check list_events before resending", len(res.Records), end-start))
	case err == nil:
		for i, r := range res.Records {
			if r.Accepted() {
				out[i] = schemas.BulkItem{Index: start + i, Status: statusAccepted, EventID: r.ID}
			} else {
				msg := r.Message
				if msg == "" {
					msg = "rejected by Meshes without a reason"
				}
				out[i] = schemas.BulkItem{Index: start + i, Status: statusRejected, Error: redactText(msg)}
			}
		}
	case meshesapi.IsOutcomeUnknown(err):
		set(statusUnknown, "outcome unknown: check list_events before resending, never resend blindly ("+errorText(err)+")")
	case errors.As(err, &netErr) && !netErr.Sent:
		set(statusNotSent, "not sent, safe to resend: "+errorText(err))
	case errors.Is(err, context.Canceled):
		set(statusNotSent, "not sent: the call was cancelled first")
	default:
		set(statusRejected, errorText(err))
	}
	return out
}

// bulkResult merges the items: counts are complete; the item list shows
// every problem first, then accepted events while the budget allows.
func (c *Catalog) bulkResult(items []schemas.BulkItem) *schemas.SendEventsOutput {
	out := &schemas.SendEventsOutput{Total: len(items)}
	for _, it := range items {
		switch it.Status {
		case statusAccepted:
			out.Accepted++
		case statusRejected:
			out.Rejected++
		case statusUnknown:
			out.Unknown++
		case statusNotSent:
			out.NotSent++
		}
	}
	ordered := slices.Clone(items)
	slices.SortStableFunc(ordered, func(a, b schemas.BulkItem) int {
		return boolRank(a.Status == statusAccepted) - boolRank(b.Status == statusAccepted)
	})
	kept, next := window(ordered, 0, c.budget())
	out.Items = kept
	if next >= 0 {
		out.Notice = fmt.Sprintf("%d of %d items listed to keep the result small (problems first); the counts cover all; list_events shows accepted events", len(kept), len(items))
	}
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
