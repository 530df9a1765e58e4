package meshesapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"
)

// pages serves a scripted list: pages[i] holds records and the cursor it
// points to next ("" for null).
type scriptedPage struct {
	records []int
	next    string
}

type pager struct {
	pages   map[string]scriptedPage // by the cursor that requests them
	fetched []string
	failAt  string
}

func (p *pager) fetch(_ context.Context, pg Page) (*List[int], error) {
	p.fetched = append(p.fetched, pg.Cursor)
	if pg.Cursor == p.failAt && p.failAt != "" {
		return nil, errors.New("boom")
	}
	s := p.pages[pg.Cursor]
	l := &List[int]{Records: s.records, Count: len(s.records)}
	if s.next != "" {
		l.NextCursor = &s.next
	}
	return l, nil
}

func TestCollect(t *testing.T) {
	three := map[string]scriptedPage{"": {[]int{1, 2}, "b"}, "b": {[]int{3}, "c"}, "c": {[]int{4, 5}, ""}}
	tests := []struct {
		name        string
		pages       map[string]scriptedPage
		start       string
		maxPages    int
		failAt      string
		want        []int
		wantNext    string
		wantErr     error
		wantFetched []string
	}{
		{name: "follows cursors until null", pages: three, maxPages: 10, want: []int{1, 2, 3, 4, 5}, wantFetched: []string{"", "b", "c"}},
		{name: "starts from a given cursor", pages: three, start: "b", maxPages: 10, want: []int{3, 4, 5}, wantFetched: []string{"b", "c"}},
		{name: "page cap returns where to continue", pages: three, maxPages: 2, want: []int{1, 2, 3}, wantNext: "c", wantFetched: []string{"", "b"}},
		{name: "cap below 1 means the default", pages: three, maxPages: 0, want: []int{1, 2, 3, 4, 5}, wantFetched: []string{"", "b", "c"}},
		{name: "a cursor that repeats stops the walk", pages: map[string]scriptedPage{"": {[]int{1}, "a"}, "a": {[]int{2}, "a"}},
			maxPages: 10, want: []int{1, 2}, wantErr: ErrCursorRepeated, wantFetched: []string{"", "a"}},
		{name: "a cycle back to the start stops the walk", pages: map[string]scriptedPage{"s": {[]int{1}, "t"}, "t": {[]int{2}, "s"}},
			start: "s", maxPages: 10, want: []int{1, 2}, wantErr: ErrCursorRepeated, wantFetched: []string{"s", "t"}},
		{name: "empty string cursor counts as the end", pages: map[string]scriptedPage{"": {[]int{1}, ""}}, maxPages: 10, want: []int{1}, wantFetched: []string{""}},
		{name: "fetch error keeps what was read", pages: three, failAt: "c", maxPages: 10, want: []int{1, 2, 3}, wantErr: errors.New("boom"), wantFetched: []string{"", "b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &pager{pages: tc.pages, failAt: tc.failAt}
			got, next, err := Collect(context.Background(), Page{Cursor: tc.start}, tc.maxPages, p.fetch)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("records %v, want %v", got, tc.want)
			}
			gotNext := ""
			if next != nil {
				gotNext = *next
			}
			if gotNext != tc.wantNext {
				t.Errorf("next %q, want %q", gotNext, tc.wantNext)
			}
			if (err == nil) != (tc.wantErr == nil) || (tc.wantErr == ErrCursorRepeated && !errors.Is(err, ErrCursorRepeated)) {
				t.Errorf("err %v, want %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(p.fetched, tc.wantFetched) {
				t.Errorf("fetched cursors %q, want %q", p.fetched, tc.wantFetched)
			}
		})
	}
}

// TestCollectOverTheClient walks GET /events through a real client; the
// method value fits Collect directly.
func TestCollectOverTheClient(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		cursor := r.URL.Query().Get("cursor")
		page, _ := strconv.Atoi(cursor)
		next := "null"
		if page < 2 {
			next = strconv.Quote(strconv.Itoa(page + 1))
		}
		reply(w, 200, fmt.Sprintf(`{"count":1,"limit":1,"next_cursor":%s,"records":[{"id":"e%d"}]}`, next, page))
	})
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	events, _, err := Collect(context.Background(), Page{Limit: 1}, 5, c.ListEvents)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range events {
		ids = append(ids, ev.ID)
	}
	if !reflect.DeepEqual(ids, []string{"e0", "e1", "e2"}) {
		t.Errorf("ids %v", ids)
	}
	reqs := f.requests()
	if len(reqs) != 3 || reqs[1].RawQuery != "cursor=1&limit=1" {
		t.Errorf("requests %+v", reqs)
	}
}
