package tools

import (
	"context"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// A POST that may already have reached Meshes must never be described as
// "not sent": the model would resend it and duplicate the event.
func TestErrorTextNeverHidesAnUnknownOutcome(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    string
		mustNot string
		unknown bool
	}{
		{
			name:    "cancelled after the POST was sent",
			err:     &meshesapi.NetworkError{Method: "POST", Path: "/events", Canceled: true, Sent: true, Err: context.Canceled},
			want:    "effect is unknown",
			mustNot: "nothing else was sent",
			unknown: true,
		},
		{
			name:    "deadline after the POST was sent",
			err:     &meshesapi.NetworkError{Method: "POST", Path: "/events", Timeout: true, Sent: true, Err: context.DeadlineExceeded},
			want:    "effect is unknown",
			mustNot: "ran out of time",
			unknown: true,
		},
		{
			name: "cancelled before anything left",
			err:  &meshesapi.NetworkError{Method: "POST", Path: "/events", Canceled: true, Err: context.Canceled},
			want: "nothing else was sent",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := meshesapi.IsOutcomeUnknown(tt.err); got != tt.unknown {
				t.Fatalf("IsOutcomeUnknown = %v, want %v", got, tt.unknown)
			}
			text := errorText(tt.err)
			if !strings.Contains(text, tt.want) {
				t.Errorf("errorText = %q, want it to contain %q", text, tt.want)
			}
			if tt.mustNot != "" && strings.Contains(text, tt.mustNot) {
				t.Errorf("errorText = %q, must not contain %q", text, tt.mustNot)
			}
		})
	}
}

// A DELETE retried after its first answer was lost gets a 404 that may be
// its own doing: the model must not be told the object never existed.
func TestErrorTextKeepsARetriedDeleteHonest(t *testing.T) {
	plain := testAPIError(t, 404, "DeleteRule", testUUID)
	if got := errorText(plain); !strings.Contains(got, "not found") {
		t.Errorf("a first-attempt 404: %q, want the not-found sentence", got)
	}
	if plain.MayBeOwnEffect() {
		t.Error("a first-attempt 404 reported as possibly our own effect")
	}
}

// testAPIError is the error Meshes' answer status to the operation opName,
// naming ids, would produce.
func testAPIError(t *testing.T, status int, opName string, ids ...string) *meshesapi.APIError {
	t.Helper()
	op, ok := meshesapi.LookupOperation(opName)
	if !ok {
		t.Fatalf("no operation %s", opName)
	}
	return &meshesapi.APIError{Status: status, Op: op, Objects: op.Objects(ids...), Method: op.Method, Path: op.Path}
}

// A cancel that meets a delivery already ended says nothing is left to
// cancel (not that it "cannot be retried", which Meshes' words suggest); one
// whose outcome is unknown says how to check before canceling again.
func TestErrorTextForCancel(t *testing.T) {
	ended := testAPIError(t, 409, "CancelDelivery", testUUID, wsA)
	ended.Message = "delivery already completed; only pending, processing or retrying deliveries can be canceled"
	if got := errorText(ended); !strings.Contains(got, "nothing is left to cancel") || strings.Contains(got, "retried") {
		t.Errorf("409 on cancel: %q", got)
	}
	for _, op := range []string{"CancelDelivery", "CancelEvent"} {
		unknown := testAPIError(t, 502, op, testUUID, wsA)
		if got := errorText(unknown); !strings.Contains(got, "effect is unknown") || !strings.Contains(got, "canceled before canceling again") {
			t.Errorf("502 on %s: %q", op, got)
		}
	}
}
