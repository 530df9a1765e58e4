package sandbox

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Page sizes. Events and sessions document 50 (docs/meshes-api.md §4.4); everything else shows
// 20 in the fixtures, so that is the default there. Every list accepts
// limit 1–200 (the documented range for events and sessions).
const (
	defaultEventPage = 50
	defaultPage      = 20
	maxPage          = 200
)

var cursorRe = lazyregexp.New(`^[A-Za-z0-9_-]+$`)

// listPage is the envelope every list except the two catalogs returns.
type listPage[T any] struct {
	Count      int     `json:"count"`
	Limit      int     `json:"limit"`
	NextCursor *string `json:"next_cursor"`
	Records    []T     `json:"records"`
}

// pageRequest is a parsed limit/cursor pair. before is the sequence number
// the previous page ended at (0: start at the newest record). Paging by
// sequence number rather than offset keeps pages stable while new records
// arrive at the front.
type pageRequest struct {
	limit  int
	before int64
}

func parsePage(q url.Values, def int) (pageRequest, *apiError) {
	p := pageRequest{limit: def}
	var errs problems
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			errs.add("limit", "must be an integer between 1 and %d", maxPage)
		} else {
			p.limit = n
		}
	}
	if q.Has("cursor") {
		before, ok := decodeCursor(q.Get("cursor"))
		if !ok {
			errs.add("cursor", "invalid cursor; pass back the next_cursor of a previous page")
		} else {
			p.before = before
		}
	}
	return p, errs.err(http.StatusBadRequest)
}

// Cursors are base64url("c:<seq>"), so they match ^[A-Za-z0-9_-]+$ and
// carry a prefix that lets a typo be told from a real cursor.
func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(s string) (int64, bool) {
	if !cursorRe.MatchString(s) {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(string(raw), "c:"), 10, 64)
	if err != nil || !strings.HasPrefix(string(raw), "c:") || n <= 0 {
		return 0, false
	}
	return n, true
}

// paginate orders items newest first (highest sequence number) and cuts the
// requested page. view converts each kept item to its wire form.
func paginate[S any, T any](items []S, seq func(S) int64, p pageRequest, view func(S) T) listPage[T] {
	slices.SortFunc(items, func(a, b S) int { return cmp.Compare(seq(b), seq(a)) })
	start := 0
	if p.before > 0 {
		start = len(items)
		for i, it := range items {
			if seq(it) < p.before {
				start = i
				break
			}
		}
	}
	end := min(start+p.limit, len(items))
	out := listPage[T]{Limit: p.limit, Records: make([]T, 0, end-start)}
	for _, it := range items[start:end] {
		out.Records = append(out.Records, view(it))
	}
	out.Count = len(out.Records)
	if end < len(items) {
		c := encodeCursor(seq(items[end-1]))
		out.NextCursor = &c
	}
	return out
}
