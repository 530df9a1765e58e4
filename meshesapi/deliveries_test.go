package meshesapi

import (
	"context"
	"net/http"
	"testing"
)

// TestCancelIsNeverSentTwice: a cancel whose outcome is unknown (a 5xx, or
// the connection dropping after the request left) is reported, not resent.
func TestCancelIsNeverSentTwice(t *testing.T) {
	cancels := map[string]func(context.Context, *Client) error{
		"CancelDelivery": cancelDelivery,
		"CancelEvent":    func(ctx context.Context, c *Client) error { _, err := c.CancelEvent(ctx, evID); return err },
	}
	failures := map[string]func(w http.ResponseWriter){
		"502": func(w http.ResponseWriter) { reply(w, http.StatusBadGateway, `{"message":"Bad Gateway"}`) },
		"connection dropped": func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		},
	}
	for name, cancel := range cancels {
		for fname, fail := range failures {
			t.Run(name+"/"+fname, func(t *testing.T) {
				f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { fail(w) })
				c, _ := newTestClient(t, testConfig(f.srv.URL))
				err := cancel(context.Background(), c)
				if !IsOutcomeUnknown(err) {
					t.Errorf("error %v, want an unknown outcome", err)
				}
				if n := f.count(); n != 1 {
					t.Errorf("cancel sent %d times, want once", n)
				}
			})
		}
	}
}
