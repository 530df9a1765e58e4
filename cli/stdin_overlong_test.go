package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The answer to a dropped line is one JSON-RPC error line carrying the
// request's id (or null), code -32600 and a message naming the size, the
// limit and the flag; the warning on stderr has size and limit, never the
// content.
func TestOverlongAnswer(t *testing.T) {
	const secret = "sk_live_do_not_echo"
	cases := []struct {
		name   string
		prefix string
		wantID string
	}{
		{"number id", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"token":"` + secret, `3`},
		{"string id", `{"jsonrpc":"2.0","id":"send-1","method":"tools/call","params":{"token":"` + secret, `"send-1"`},
		{"no id", `{"jsonrpc":"2.0","method":"tools/call","params":{"token":"` + secret, `null`},
		{"not JSON", secret, `null`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, logs bytes.Buffer
			f := newStdioFront(&out, slog.New(slog.NewTextHandler(&logs, nil)), 4194304, nil, nil)
			f.overlong(10485760, []byte(tc.prefix))

			if strings.Count(out.String(), "\n") != 1 || !strings.HasSuffix(out.String(), "\n") {
				t.Fatalf("want exactly one line, got %q", out.String())
			}
			var m struct {
				JSONRPC string          `json:"jsonrpc"`
				ID      json.RawMessage `json:"id"`
				Error   *struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(out.Bytes(), &m); err != nil || m.JSONRPC != "2.0" || m.Error == nil {
				t.Fatalf("not a JSON-RPC error: %q (%v)", out.String(), err)
			}
			if string(m.ID) != tc.wantID || m.Error.Code != -32600 {
				t.Errorf("id %s code %d, want id %s code -32600", m.ID, m.Error.Code, tc.wantID)
			}
			for _, want := range []string{"10485760 bytes", "4194304-byte limit", "--max-body-bytes"} {
				if !strings.Contains(m.Error.Message, want) {
					t.Errorf("message %q does not mention %q", m.Error.Message, want)
				}
			}
			if log := logs.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "bytes=10485760") ||
				!strings.Contains(log, "limit=4194304") || strings.Count(log, "\n") != 1 {
				t.Errorf("want one warning with size and limit, got %q", log)
			}
			if strings.Contains(out.String()+logs.String(), secret) {
				t.Error("the dropped line's content was echoed")
			}
		})
	}
}

// byteWriter writes one byte at a time, yielding in between, as a pipe
// under pressure may: without serialisation, concurrent lines interleave.
type byteWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *byteWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		w.mu.Lock()
		w.buf.WriteByte(c)
		w.mu.Unlock()
		runtime.Gosched()
	}
	return len(p), nil
}

func TestSyncWriterKeepsConcurrentLinesWhole(t *testing.T) {
	const writers, lines = 8, 50
	bw := &byteWriter{}
	w := &syncWriter{w: bw}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, `{"writer":%d,"line":%d}`+"\n", g, i)
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(bw.buf.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	for _, line := range got {
		var v struct{ Writer, Line int }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("interleaved line %q", line)
		}
	}
}
