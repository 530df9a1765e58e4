package httpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
)

// BenchmarkBodyPressure measures the server's peak RSS (VmHWM) under two
// loads from issue #13: 32 clients posting 4 MiB send_events bodies at once,
// and 200 connections trickling large bodies in. Each load gets a fresh
// process. BODY_PRESSURE_BIN runs another build (e.g. main before the fix)
// instead of this tree's. The figures go into BENCHMARKS.md.
func BenchmarkBodyPressure(b *testing.B) {
	bin := os.Getenv("BODY_PRESSURE_BIN")
	if bin == "" {
		bin = testbin.Binary(b, false)
	}
	be := startBackend(b, nil)
	start := func() *testbin.HTTPServer {
		env := testbin.ChildEnv(b.TempDir(), be.creds, be.url, "MESHES_LOG_LEVEL=info")
		p := testbin.StartHTTP(b, bin, env, "--addr", "127.0.0.1:0", "--transport", "http")
		b.Cleanup(p.Stop)
		return p
	}
	for b.Loop() {
		p := start()
		statuses := largeBodies(b, p.Base, sendEventsBody(4<<20-512, 0), 32, 3)
		b.ReportMetric(peakRSS(b, p), "large-peak-RSS-MiB")
		b.Logf("32 × 4 MiB send_events of tiny events, 3 rounds: statuses %v", statuses)
		p.Stop()

		p = start()
		statuses = largeBodies(b, p.Base, sendEventsBody(4<<20-512, 10_000), 32, 3)
		b.ReportMetric(peakRSS(b, p), "capped-peak-RSS-MiB")
		b.Logf("32 × 4 MiB send_events of 10,000 events, 3 rounds: statuses %v", statuses)
		p.Stop()

		p = start()
		held := slowBodies(b, p.Base, 200, 5*time.Second)
		b.ReportMetric(peakRSS(b, p), "slow-peak-RSS-MiB")
		b.Logf("200 trickling bodies for 5 s: %d connections still held at the end", held)
		p.Stop()
	}
}

func peakRSS(b *testing.B, p *testbin.HTTPServer) float64 {
	kb, err := procStatus(p.Cmd.Process.Pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	return float64(kb) / 1024
}

// sendEventsBody is a tools/call of send_events about size bytes long: of
// the smallest events (which cost the most to decode per byte) when count
// is 0, else of count events padded to fill it.
func sendEventsBody(size, count int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_events","arguments":{"events":[`)
	event := `{"workspace_id":"00000000-0000-4000-8000-000000000000","event":"e","payload":{"a":1}}`
	if count > 0 {
		pad := max(size/count-len(event)-16, 0)
		event = `{"workspace_id":"00000000-0000-4000-8000-000000000000","event":"e","payload":{"a":"` + strings.Repeat("x", pad) + `"}}`
	}
	for i := 0; buf.Len() < size-len(event)-8 && (count == 0 || i < count); i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(event)
	}
	buf.WriteString(`]}}}`)
	return buf.Bytes()
}

// largeBodies has n clients post body rounds times each, and counts the
// HTTP statuses they got.
func largeBodies(b *testing.B, base string, body []byte, n, rounds int) map[int]int {
	hc := &http.Client{Transport: loopbackTransport(n), Timeout: 2 * time.Minute}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range rounds {
				req, _ := http.NewRequest(http.MethodPost, base+"/mcp", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
				code := 0
				if resp, err := hc.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				statuses[code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return statuses
}

// slowBodies opens n connections that each declare a 4 MiB body and send a
// 64 KiB start of it, then one byte a second, for d; it returns how many
// connections the server still held open at the end.
func slowBodies(b *testing.B, base string, n int, d time.Duration) int {
	addr := strings.TrimPrefix(base, "http://")
	head := "POST /mcp HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: " + strconv.Itoa(4<<20) + "\r\n\r\n"
	start := bytes.Repeat([]byte(" "), 64<<10)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0
	for range n {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer conn.Close()
			if _, err := fmt.Fprint(conn, head); err != nil {
				return
			}
			_, _ = conn.Write(start)
			for {
				select {
				case <-ctx.Done():
					_ = conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
					one := make([]byte, 1)
					if _, err := conn.Read(one); err != nil && isTimeout(err) {
						mu.Lock()
						held++
						mu.Unlock()
					}
					return
				case <-time.After(time.Second):
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return held
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
