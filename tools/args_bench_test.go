package tools

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkArgDecoderSendEvents10k decodes the arguments of a 10,000-event
// send_events call, the largest input a tool takes:
//
//	go test -run '^$' -bench ArgDecoder -benchmem ./tools/
func BenchmarkArgDecoderSendEvents10k(b *testing.B) {
	events := make([]any, 10_000)
	for i := range events {
		events[i] = map[string]any{"workspace_id": testUUID, "event": "bench.bulk",
			"payload": map[string]any{"email": fmt.Sprintf("user%d@example.com", i), "plan": "pro", "n": i}}
	}
	raw, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	d, err := c.byName["send_events"].decoder()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
