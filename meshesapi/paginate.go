package meshesapi

import (
	"context"
	"errors"
	"iter"
)

// DefaultMaxPages bounds Paginate and Collect when maxPages < 1, so that no
// caller can page through an organisation's whole history by accident.
const DefaultMaxPages = 10

// ErrCursorRepeated reports a next_cursor Meshes had already returned during
// the same walk. Following it would loop forever, so paging stops; records
// already read are kept.
var ErrCursorRepeated = errors.New("meshes returned a cursor it had already returned, so paging stopped to avoid a loop")

// PageFunc fetches one page of a list; method values such as
// (*Client).ListEvents fit directly, filtered lists via a closure.
type PageFunc[T any] func(context.Context, Page) (*List[T], error)

// Paginate yields every record from first onwards, following next_cursor
// until it is null, at most maxPages pages. A fetch error, or a cursor that
// does not advance (ErrCursorRepeated), is yielded once as the last element.
// Use Collect to learn where a capped walk could continue.
func Paginate[T any](ctx context.Context, first Page, maxPages int, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		stopped := false
		_, err := walk(ctx, first, maxPages, fetch, func(v T) bool {
			stopped = !yield(v, nil)
			return !stopped
		})
		if err != nil && !stopped {
			var zero T
			yield(zero, err)
		}
	}
}

// Collect reads up to maxPages pages from first. next is the cursor to
// continue from when the page cap stopped the walk, nil when the list is
// exhausted. On error the records read so far are returned with it.
func Collect[T any](ctx context.Context, first Page, maxPages int, fetch PageFunc[T]) (records []T, next *string, err error) {
	next, err = walk(ctx, first, maxPages, fetch, func(v T) bool {
		records = append(records, v)
		return true
	})
	return records, next, err
}

// walk feeds each record to each until it returns false, the list ends, the
// page cap is reached (returning the cursor to continue from) or an error.
func walk[T any](ctx context.Context, page Page, maxPages int, fetch PageFunc[T], each func(T) bool) (*string, error) {
	if maxPages < 1 {
		maxPages = DefaultMaxPages
	}
	seen := map[string]bool{page.Cursor: true}
	for n := 0; ; n++ {
		list, err := fetch(ctx, page)
		if err != nil {
			return nil, err
		}
		for _, v := range list.Records {
			if !each(v) {
				return nil, nil
			}
		}
		if list.NextCursor == nil || *list.NextCursor == "" {
			return nil, nil
		}
		if seen[*list.NextCursor] {
			return nil, ErrCursorRepeated
		}
		if n+1 >= maxPages {
			return list.NextCursor, nil
		}
		seen[*list.NextCursor] = true
		page.Cursor = *list.NextCursor
	}
}
