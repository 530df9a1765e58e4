package cli

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// dropReport is what the limiter told of one dropped line.
type dropReport struct {
	size   int64
	prefix string
}

// readLimited reads src through a limiter to the end and returns what it
// handed over and what it dropped.
func readThroughLimiter(t *testing.T, src io.Reader, limit int64) (string, []dropReport) {
	t.Helper()
	var drops []dropReport
	l := newLineLimiter(src, limit, func(size int64, prefix []byte) {
		drops = append(drops, dropReport{size, string(prefix)})
	})
	out, err := io.ReadAll(l)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return string(out), drops
}

func TestLineLimiterPassesLinesWithinTheLimitAndDropsLongerOnes(t *testing.T) {
	const limit = 10
	over := strings.Repeat("x", 11)
	huge := strings.Repeat("h", 3*readChunk+5) // dropped across several reads
	cases := []struct {
		name  string
		in    string
		want  string
		drops []dropReport
	}{
		{"under the limit", `{"id":1}` + "\n", `{"id":1}` + "\n", nil},
		{"at the limit", "0123456789\n", "0123456789\n", nil},
		{"one byte over", over + "\n", "", []dropReport{{11, over}}},
		{"several lines in one chunk", "a\nbb\n\nccc\n", "a\nbb\n\nccc\n", nil},
		{"overlong line followed by valid ones", over + "\n{}\n" + "0123456789\n", "{}\n0123456789\n", []dropReport{{11, over}}},
		{"valid, overlong, valid", "a\n" + over + "\nb\n", "a\nb\n", []dropReport{{11, over}}},
		{"two overlong lines in a row", over + "\n" + over + "y\n", "", []dropReport{{11, over}, {12, over + "y"}}},
		{"overlong over several reads", huge + "\nok\n", "ok\n", []dropReport{{int64(len(huge)), huge[:prefixKeep]}}},
		{"last line without newline", "a\nlast", "a\nlast", nil},
		{"last line at the limit without newline", "0123456789", "0123456789", nil},
		{"overlong last line without newline", "a\n" + over, "a\n", []dropReport{{11, over}}},
		{"CRLF at the limit", "0123456789\r\n{}\r\n", "0123456789\r\n{}\r\n", nil},
		{"CRLF one byte over", over + "\r\n{}\r\n", "{}\r\n", []dropReport{{11, over}}},
		{"CRLF overlong over several reads", huge + "\r\nok\r\n", "ok\r\n", []dropReport{{int64(len(huge)), huge[:prefixKeep]}}},
		{"empty input", "", "", nil},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte per read", iotest.OneByteReader},
		{"EOF with the last data", iotest.DataErrReader},
	}
	for _, tc := range cases {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				got, drops := readThroughLimiter(t, rd.wrap(strings.NewReader(tc.in)), limit)
				if got != tc.want {
					t.Errorf("handed over %q, want %q", short(got), short(tc.want))
				}
				if len(drops) != len(tc.drops) {
					t.Fatalf("dropped %d lines, want %d", len(drops), len(tc.drops))
				}
				for i, d := range drops {
					if d.size != tc.drops[i].size || d.prefix != tc.drops[i].prefix {
						t.Errorf("drop %d: size %d prefix %q, want size %d prefix %q", i, d.size, short(d.prefix), tc.drops[i].size, short(tc.drops[i].prefix))
					}
				}
			})
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// endless is an unending line of x.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// probe calls look before every read of r, so a test can watch the
// limiter's state while it consumes its input.
type probe struct {
	r    io.Reader
	look func()
}

func (p *probe) Read(b []byte) (int, error) {
	p.look()
	return p.r.Read(b)
}

// Dropping a line costs memory for the limit, not for the line: a 64 MiB
// line under a 1 MiB limit never grows the buffer beyond limit+1+readChunk
// and allocates a few MiB in all.
func TestLineLimiterMemoryIsBoundedByTheLimit(t *testing.T) {
	const limit = 1 << 20
	const lineSize = 64 << 20
	var l *lineLimiter
	maxCap := 0
	src := &probe{
		r:    io.MultiReader(io.LimitReader(endless{}, lineSize), strings.NewReader("\n{\"id\":1}\n")),
		look: func() { maxCap = max(maxCap, cap(l.buf)) },
	}
	var drops []dropReport
	l = newLineLimiter(src, limit, func(size int64, prefix []byte) { drops = append(drops, dropReport{size: size}) })

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := io.ReadAll(l)
	runtime.ReadMemStats(&after)

	if err != nil || string(out) != "{\"id\":1}\n" || len(drops) != 1 || drops[0].size != lineSize {
		t.Fatalf("out %q, err %v, drops %+v; want the short line and one drop of %d bytes", short(string(out)), err, drops, lineSize)
	}
	if bound := limit + 1 + readChunk; maxCap > bound {
		t.Errorf("buffer grew to %d bytes while dropping a %d-byte line; bound %d", maxCap, lineSize, bound)
	}
	// Doubling up to the bound allocates under twice the bound; io.ReadAll
	// adds a little for the short line.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4*limit {
		t.Errorf("allocated %d bytes while dropping a %d-byte line under a %d-byte limit", allocated, lineSize, limit)
	}
}

// The buffer grows only as lines need it, and a big one is let go once the
// line is handed over.
func TestLineLimiterBufferGrowsOnDemandAndShrinksWhenIdle(t *testing.T) {
	const limit = 4 << 20
	big := strings.Repeat("b", 1<<20) + "\n"
	cases := []struct {
		name    string
		src     io.Reader
		wantOut int
		maxCap  int
	}{
		{"small lines never allocate the limit", strings.NewReader("{}\n{}\n"), 6, readChunk},
		{"a big line's buffer is released after it", io.MultiReader(strings.NewReader(big), strings.NewReader("{}\n")), len(big) + 3, readChunk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLineLimiter(tc.src, limit, func(int64, []byte) { t.Error("nothing should be dropped") })
			out, err := io.ReadAll(l)
			if err != nil || len(out) != tc.wantOut {
				t.Fatalf("read %d bytes, err %v; want %d", len(out), err, tc.wantOut)
			}
			if cap(l.buf) > tc.maxCap {
				t.Errorf("buffer holds %d bytes at the end; want at most %d", cap(l.buf), tc.maxCap)
			}
		})
	}
}

// A source that keeps returning nothing ends the stream instead of
// spinning the server.
func TestLineLimiterStopsOnASourceThatNeverProgresses(t *testing.T) {
	l := newLineLimiter(iotest.ErrReader(nil), 10, func(int64, []byte) {})
	if _, err := io.ReadAll(l); err != io.ErrNoProgress {
		t.Fatalf("err %v, want io.ErrNoProgress", err)
	}
}
