package sandbox

import (
	"net/http"
	"strings"
	"testing"
)

// With an allowlist, a webhook to any other target is simulated: nothing
// reaches it, and the attempt says so. A listed target is delivered to.
func TestWebhookOutsideTheAllowlistIsSimulated(t *testing.T) {
	allowed := newReceiver(t, http.StatusNoContent)
	other := newReceiver(t, http.StatusNoContent)
	e := newEnv(t, Options{DeliverTo: AllowTargets([]string{strings.TrimPrefix(allowed.URL, "http://")})})
	checkDeliversOnlyTo(t, e, allowed, other)
}

// checkDeliversOnlyTo checks that the sandbox behind e, allowed to deliver
// to allowed only, simulates a webhook to other and says so in its
// attempt, and really delivers one to allowed.
func checkDeliversOnlyTo(t *testing.T, e *testEnv, allowed, other *receiver) {
	t.Helper()
	ws, _, _ := webhookFixture(t, e, other, nil)
	id := e.emit(ws, "order.completed", map[string]any{"order_id": "o1"})
	ev := e.waitEvent(id, "completed")
	if n := len(other.requests()); n != 0 {
		t.Fatalf("the unlisted target received %d request(s)", n)
	}
	if msg := ev.RuleEvents[0].LastError + lastAttemptMessage(t, e, id, ev.RuleEvents[0].Rule); !strings.Contains(msg, "simulated") || !strings.Contains(msg, "--sandbox-deliver-to") {
		t.Fatalf("the attempt does not say it was simulated and how to allow the target: %q", msg)
	}

	conn := e.connection(ws, "webhook", "Allowed", map[string]any{"url": allowed.URL + "/hook"})
	e.rule(ws, conn, "order.shipped", map[string]any{"action": "send_webhook"}, nil)
	e.waitEvent(e.emit(ws, "order.shipped", map[string]any{"order_id": "o1"}), "completed")
	if n := len(allowed.requests()); n != 1 {
		t.Fatalf("the listed target received %d request(s), want 1", n)
	}
}

func lastAttemptMessage(t *testing.T, e *testEnv, eventID, rule string) string {
	var attempts listPage[map[string]any]
	e.do("GET", "/events/"+eventID+"/rules/"+rule+"/attempts", nil).decode(t, &attempts)
	if attempts.Count == 0 {
		t.Fatal("no attempt recorded")
	}
	msg, _ := attempts.Records[0]["message"].(string)
	return msg
}

func TestAllowTargetsNormalises(t *testing.T) {
	allow := AllowTargets([]string{"LocalHost:8080", "127.0.0.1:9000"})
	for target, want := range map[string]bool{
		"http://localhost:8080/x": true, "https://localhost:8080": true, "http://127.0.0.1:9000/h": true,
		"http://127.0.0.1:9001/": false, "http://localhost/": false, "http://[::1]:8080/": false, "http://example.com:8080/": false,
	} {
		if got := allow(target); got != want {
			t.Errorf("%s: allowed %v, want %v", target, got, want)
		}
	}
}
