package cli

import (
	"bytes"
	"io"
)

// lineLimiter sits between stdin and mcp-go's stdio server. mcp-go reads
// each line whole, however long, and decodes it several times over, so one
// 10 MiB line cost about 160 MiB of memory. The limiter hands over lines of
// at most limit bytes unchanged and drops longer ones while reading them,
// holding no more than about limit bytes of any line, so over stdio the
// --max-body-bytes cap means what it means over HTTP.
type lineLimiter struct {
	src   io.Reader
	limit int64
	// overlong is told of each dropped line: its size without the line
	// terminator, and its first bytes (at most prefixKeep), which is all
	// there is to find the request id in.
	overlong func(size int64, prefix []byte)

	// buf[start:end] was read from src and is neither handed over nor
	// dropped. It grows on demand up to limit+1+readChunk bytes, and a
	// large one is released once empty, so a server that saw one big
	// message does not keep its buffer for good.
	buf        []byte
	start, end int
	// scanned bytes at buf[start:] are known to hold no newline, so a line
	// arriving in many small reads is searched once, not once per read.
	scanned int
	// ready bytes at buf[start:] are a line cleared for handing over.
	ready int

	// While dropping, the line's bytes are counted and discarded as they
	// arrive; only its first prefixKeep bytes are kept.
	dropping bool
	dropped  int64
	lastCR   bool // the last discarded byte was '\r' (a CRLF may be split across reads)
	prefix   []byte

	err        error // from src; returned once everything before it is handled
	emptyReads int   // consecutive reads of src that returned nothing
}

const (
	// readChunk is the most the limiter asks of src at once.
	readChunk = 32 << 10
	// prefixKeep is how much of a dropped line is kept to find its id: a
	// request's "id" normally comes before its params.
	prefixKeep = 4 << 10
	// idleBufCap is the largest buffer kept once it is empty.
	idleBufCap = 64 << 10
	// maxEmptyReads stops a broken src that keeps returning nothing from
	// spinning the server, as bufio does.
	maxEmptyReads = 100
)

func newLineLimiter(src io.Reader, limit int64, overlong func(size int64, prefix []byte)) *lineLimiter {
	return &lineLimiter{src: src, limit: limit, overlong: overlong}
}

// Read hands over the next bytes of lines within the limit. An error from
// src (io.EOF at the end of input) is returned once the bytes before it are
// handled; a last line without a newline is handed over (or dropped) like
// any other.
func (l *lineLimiter) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for l.ready == 0 {
		if l.nextLine() {
			continue
		}
		if l.err != nil {
			if l.lastLine() {
				continue
			}
			return 0, l.err
		}
		l.fill()
	}
	n := copy(p, l.buf[l.start:l.start+l.ready])
	l.start += n
	l.ready -= n
	return n, nil
}

// nextLine settles the line at the head of the buffer if its newline has
// arrived: it is cleared for handing over, or dropped and reported. Without
// a newline yet, it starts or continues dropping a line already over the
// limit. It reports whether a line was settled.
func (l *lineLimiter) nextLine() bool {
	pending := l.buf[l.start:l.end]
	i := bytes.IndexByte(pending[l.scanned:], '\n')
	if i < 0 {
		l.scanned = len(pending)
		// limit+1: the last byte may be the '\r' of a CRLF whose '\n' is
		// still to come.
		if !l.dropping && int64(len(pending)) > l.limit+1 {
			l.startDropping()
		}
		if l.dropping {
			l.discard(pending)
		}
		return false
	}
	line := pending[:l.scanned+i+1]
	l.scanned = 0
	if !l.dropping {
		if contentSize(line) <= l.limit {
			l.ready = len(line)
			return true
		}
		l.startDropping()
	}
	crlf := l.endsWithCR(line[:len(line)-1])
	l.discard(line)
	l.report(l.dropped - 1 - oneIf(crlf))
	return true
}

// lastLine settles a last line that ends at the end of input rather than
// at a newline; it reports whether there was one.
func (l *lineLimiter) lastLine() bool {
	pending := l.buf[l.start:l.end]
	if !l.dropping {
		if len(pending) == 0 {
			return false
		}
		if contentSize(pending) <= l.limit {
			l.ready, l.scanned = len(pending), 0
			return true
		}
		l.startDropping()
	}
	cr := l.endsWithCR(pending)
	l.discard(pending)
	l.report(l.dropped - oneIf(cr))
	return true
}

func (l *lineLimiter) startDropping() {
	l.dropping, l.dropped, l.lastCR = true, 0, false
	l.prefix = l.prefix[:0]
}

// discard drops b, the next bytes of the line being dropped, from the head
// of the buffer, keeping what the prefix still lacks.
func (l *lineLimiter) discard(b []byte) {
	if room := prefixKeep - len(l.prefix); room > 0 {
		l.prefix = append(l.prefix, b[:min(room, len(b))]...)
	}
	l.lastCR = l.endsWithCR(b)
	l.dropped += int64(len(b))
	l.start += len(b)
	l.scanned = 0
}

// endsWithCR reports whether the line being dropped, continued by b, ends
// in '\r' so far: a CRLF may be split across reads.
func (l *lineLimiter) endsWithCR(b []byte) bool {
	if len(b) == 0 {
		return l.lastCR
	}
	return b[len(b)-1] == '\r'
}

// report ends the line being dropped, of size bytes without its
// terminator, and tells overlong about it and its first bytes (the
// terminator cut off, should the line be that short).
func (l *lineLimiter) report(size int64) {
	l.dropping, l.dropped, l.lastCR = false, 0, false
	l.overlong(size, l.prefix[:min(int64(len(l.prefix)), size)])
}

// fill reads the next chunk from src after the pending bytes, first moving
// them to the front of the buffer and growing it if needed. Pending bytes
// are at most limit+1 here (nextLine drops more), which bounds the buffer.
func (l *lineLimiter) fill() {
	if l.start == l.end {
		l.start, l.end = 0, 0
		if cap(l.buf) > idleBufCap {
			l.buf = nil
		}
	}
	if l.start > 0 {
		l.end = copy(l.buf, l.buf[l.start:l.end])
		l.start = 0
	}
	if need := l.end + readChunk; need > len(l.buf) {
		size := int64(max(need, 2*len(l.buf)))
		size = min(size, l.limit+1+readChunk)
		grown := make([]byte, size)
		copy(grown, l.buf[:l.end])
		l.buf = grown
	}
	n, err := l.src.Read(l.buf[l.end : l.end+readChunk])
	l.end += n
	switch {
	case err != nil:
		l.err = err
	case n > 0:
		l.emptyReads = 0
	default:
		if l.emptyReads++; l.emptyReads >= maxEmptyReads {
			l.err = io.ErrNoProgress
		}
	}
}

// contentSize is the size of line without its "\n" or "\r\n" terminator
// (or a bare trailing '\r' at the end of input).
func contentSize(line []byte) int64 {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return int64(n)
}

func oneIf(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
