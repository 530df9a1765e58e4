package meshesapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// bodyMarker is planted in every oversized body, so that a test can tell
// when any of the body leaks into an error.
const bodyMarker = "BODY-CONTENT-MARKER"

// padded returns an event whose POST /events body is exactly size bytes.
func padded(t *testing.T, size int) EventInput {
	t.Helper()
	payload := func(pad int) json.RawMessage {
		return json.RawMessage(`{"email":"a@b.co","blob":"` + bodyMarker + strings.Repeat("x", pad) + `"}`)
	}
	ev := EventInput{Event: "user.signup", Workspace: wsID, Payload: payload(0)}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > size {
		t.Fatalf("the smallest padded event is %d bytes, over %d", len(b), size)
	}
	ev.Payload = payload(size - len(b))
	return ev
}

// TestOversizedRequestNeverLeaves proves that a body over the cap is refused
// before any byte reaches Meshes, with an error that says nothing was sent,
// is never taken for an unknown outcome, and carries sizes but no content,
// while a body of exactly the cap still goes out.
func TestOversizedRequestNeverLeaves(t *testing.T) {
	const limit = 4096
	tests := []struct {
		name     string
		size     int // of the encoded body
		call     func(context.Context, *Client, EventInput) error
		path     string
		contains string // the operation an oversize request names
	}{
		{name: "send event over the cap", size: limit + 1, path: "/events", contains: "SendEvent",
			call: func(ctx context.Context, c *Client, ev EventInput) error { _, err := c.SendEvent(ctx, ev); return err }},
		{name: "send event at the cap", size: limit, path: "/events",
			call: func(ctx context.Context, c *Client, ev EventInput) error { _, err := c.SendEvent(ctx, ev); return err }},
		{name: "bulk over the cap", size: limit + 1, path: "/events/bulk", contains: "SendEvents",
			call: func(ctx context.Context, c *Client, ev EventInput) error {
				_, err := c.SendEvents(ctx, []EventInput{ev})
				return err
			}},
		{name: "create rule with huge metadata", size: 2 * limit, path: "/rules", contains: "CreateRule",
			call: func(ctx context.Context, c *Client, ev EventInput) error {
				var metadata map[string]any
				if err := json.Unmarshal(ev.Payload, &metadata); err != nil {
					return err
				}
				_, err := c.CreateRule(ctx, CreateRuleRequest{Workspace: wsID, Connection: connID, Event: "a.b", Metadata: metadata})
				return err
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				reply(w, 201, `{"event":{"id":"`+evID+`"},"count":1,"records":[{"id":"`+evID+`"}],"id":"`+ruleID+`"}`)
			})
			cfg := testConfig(f.srv.URL)
			cfg.MaxRequestBytes = limit
			c, _ := newTestClient(t, cfg)
			ev := padded(t, tc.size)
			if tc.path == "/events/bulk" {
				ev = padded(t, tc.size-2) // the array's brackets
			}
			err := tc.call(context.Background(), c, ev)
			if tc.size <= limit {
				if err != nil || f.count() != 1 {
					t.Fatalf("a body of exactly the cap: %v, %d requests; want it sent", err, f.count())
				}
				if got := len(f.requests()[0].Body); got != tc.size {
					t.Errorf("body on the wire is %d bytes, the test meant %d", got, tc.size)
				}
				return
			}
			if n := f.count(); n != 0 {
				t.Fatalf("%d requests reached Meshes, want 0", n)
			}
			var tooLarge *RequestTooLargeError
			if !errors.As(err, &tooLarge) || !errors.Is(err, ErrRequestTooLarge) {
				t.Fatalf("error %v, want a *RequestTooLargeError", err)
			}
			if tooLarge.Limit != limit || tooLarge.Size <= limit || tooLarge.Path != tc.path || tooLarge.Method != http.MethodPost {
				t.Errorf("error fields %+v, want POST %s over %d", tooLarge, tc.path, limit)
			}
			if tc.path != "/rules" && tooLarge.Size != int64(tc.size) {
				t.Errorf("Size = %d, want the encoded body's %d", tooLarge.Size, tc.size)
			}
			if IsOutcomeUnknown(err) || errors.Is(err, ErrNetwork) || errors.Is(err, ErrInvalidRequest) {
				t.Errorf("a request that never left is classified as sent or as Meshes' answer: %v", err)
			}
			msg := err.Error()
			for _, want := range []string{"nothing was sent", "4096-byte limit", EnvMaxRequestBytes} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if tooLarge.Op.Name != tc.contains {
				t.Errorf("error names operation %q, want %q", tooLarge.Op.Name, tc.contains)
			}
			if strings.Contains(msg, bodyMarker) || strings.Contains(msg, "xxxx") {
				t.Errorf("error carries body content: %q", msg)
			}
			assertNoSecrets(t, msg)
		})
	}
}

func TestMaxRequestBytesDefault(t *testing.T) {
	for _, tc := range []struct {
		set, want int64
	}{{0, DefaultMaxRequestBytes}, {-1, DefaultMaxRequestBytes}, {1 << 20, 1 << 20}} {
		c, _ := newTestClient(t, Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID, MaxRequestBytes: tc.set})
		if got := c.MaxRequestBytes(); got != tc.want {
			t.Errorf("MaxRequestBytes %d → %d, want %d", tc.set, got, tc.want)
		}
	}
}

// EventSize and BulkFraming must predict the bytes on the wire exactly, or a
// caller packing batches to the cap would have some refused.
func TestEventSizePredictsTheWire(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 201, `{"event":{"id":"`+evID+`"},"count":3,"records":[{"id":"`+evID+`"},{"id":"`+evID+`"},{"id":"`+evID+`"}]}`)
	})
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	events := []EventInput{
		{Event: "user.signup", Workspace: wsID, Payload: json.RawMessage(`{"email":"a@b.co"}`)},
		{Event: "html <b>&</b>", Payload: json.RawMessage(`{"note":"<script>&amp;","n":12345678901234567890}`), Resource: "user", ResourceID: "u1"},
		{Event: "unicode", Payload: json.RawMessage("{\"name\":\"Zoë \u2028 😀\", \"nested\": {\"list\": [1, \"two\", null, true]}}")},
	}
	var sizes int64
	for i, ev := range events {
		size, err := EventSize(ev)
		if err != nil {
			t.Fatal(err)
		}
		sizes += size
		if _, err := c.SendEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		if got := int64(len(f.requests()[i].Body)); got != size {
			t.Errorf("event %d: EventSize %d, body on the wire %d", i, size, got)
		}
	}
	if _, err := c.SendEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if got, want := int64(len(reqs[len(reqs)-1].Body)), sizes+BulkFraming(len(events)); got != want {
		t.Errorf("bulk body on the wire %d bytes, predicted %d", got, want)
	}
}

// Markup in a payload travels as itself: HTML-escaping would make each <, >
// and & six bytes on the wire and count six times against the cap.
func TestBodiesAreNotHTMLEscaped(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 201, `{"event":{"id":"`+evID+`"}}`)
	})
	cfg := testConfig(f.srv.URL)
	cfg.MaxRequestBytes = 64 << 10
	c, _ := newTestClient(t, cfg)
	markup := strings.Repeat("<a&b>", 10<<10) // 50 KiB; 230 KiB if escaped
	ev := EventInput{Event: "page.saved", Workspace: wsID, Payload: json.RawMessage(`{"html":"` + markup + `"}`)}
	if _, err := c.SendEvent(context.Background(), ev); err != nil {
		t.Fatalf("a 50 KiB payload of markup under a 64 KiB cap: %v", err)
	}
	body := string(f.requests()[0].Body)
	if !strings.Contains(body, markup) || strings.Contains(body, `\u003c`) {
		t.Errorf("payload escaped on the wire: %.120s", body)
	}
}
