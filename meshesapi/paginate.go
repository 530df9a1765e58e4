package meshesapi

import (
	"context"
	"errors"
)

// DefaultMaxPages bounds Collect when maxPages < 1, so that no caller can
// page through an organisation's whole history by accident.
const DefaultMaxPages = 10

// ErrCursorRepeated reports a next_cursor Meshes had already returned during
// the same walk. Following it would loop forever, so paging stops; records
// already read are kept.
var ErrCursorRepeated = errors.New("meshes returned a cursor it had already returned, so paging stopped to avoid a loop")

// PageFunc fetches one page of a list; method values such as
// (*Client).ListEvents fit directly, filtered lists via a closure.
type PageFunc[T any] func(context.Context, Page) (*List[T], error)

// Collect reads up to maxPages pages from first, following next_cursor until
// it is null. next is the cursor to continue from when the page cap stopped
// the walk, nil when the list is exhausted. On error, including a cursor that
// does not advance (ErrCursorRepeated), the records read so far are returned
// with it.
func Collect[T any](ctx context.Context, first Page, maxPages int, fetch PageFunc[T]) (records []T, next *string, err error) {
	if maxPages < 1 {
		maxPages = DefaultMaxPages
	}
	page := first
	seen := map[string]bool{page.Cursor: true}
	for n := 0; ; n++ {
		list, err := fetch(ctx, page)
		if err != nil {
			return records, nil, err
		}
		records = append(records, list.Records...)
		if list.NextCursor == nil || *list.NextCursor == "" {
			return records, nil, nil
		}
		if seen[*list.NextCursor] {
			return records, nil, ErrCursorRepeated
		}
		if n+1 >= maxPages {
			return records, list.NextCursor, nil
		}
		seen[*list.NextCursor] = true
		page.Cursor = *list.NextCursor
	}
}
