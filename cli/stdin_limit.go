package cli

import (
	"bufio"
	"io"
)

// lineLimiter sits between stdin and mcp-go's stdio server. mcp-go reads
// each line whole, however long, and decodes it several times over, so one
// 10 MiB line cost about 160 MiB of memory. The limiter hands over lines of
// at most limit bytes unchanged and drops longer ones while reading them,
// holding no more than about limit bytes of any line, so over stdio the
// --max-body-bytes cap means what it means over HTTP.
type lineLimiter struct {
	src   *bufio.Reader
	limit int64
	// overlong is told of each dropped line: its size without the line
	// terminator, and its first bytes (at most prefixKeep), which is all
	// there is to find the request id in.
	overlong func(size int64, prefix []byte)
	// filter, when set, sees each line within the limit (without its
	// terminator) and returns what to hand over instead, or nil to drop it.
	filter func(line []byte) []byte

	// line is what is still to be handed over of the current line: a slice
	// of src's buffer when the line came in one read, else of buf.
	line []byte
	// buf gathers a line longer than src's buffer. It grows on demand up to
	// limit+2 bytes (a line's content and its CRLF), and a large one is let
	// go once no input is waiting, so a server that saw one big message
	// does not keep its buffer for good.
	buf []byte
	// prefix holds the first bytes of the line being dropped.
	prefix []byte
	err    error // from src; returned once the lines before it are handed over
}

const (
	// readChunk is the size of the buffer lines are read through.
	readChunk = 32 << 10
	// prefixKeep is how much of a dropped line is kept to find its id: a
	// request's "id" normally comes before its params.
	prefixKeep = 4 << 10
	// idleBufCap is the largest line buffer kept while no input waits.
	idleBufCap = 64 << 10
)

// newLineLimiter reads src through a bufio.Reader, which also ends the
// stream with io.ErrNoProgress should src keep returning nothing.
func newLineLimiter(src io.Reader, limit int64, overlong func(size int64, prefix []byte)) *lineLimiter {
	return &lineLimiter{src: bufio.NewReaderSize(src, readChunk), limit: limit, overlong: overlong}
}

// Read hands over the next bytes of lines within the limit. An error from
// src (io.EOF at the end of input) is returned once the bytes before it are
// handled; a last line without a newline is handed over (or dropped) like
// any other.
func (l *lineLimiter) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(l.line) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.line, l.err = l.next()
		if l.filter != nil && len(l.line) > 0 {
			l.line = l.filtered(l.line)
		}
	}
	n := copy(p, l.line)
	l.line = l.line[n:]
	return n, nil
}

// filtered runs line's content through filter, keeping its terminator.
func (l *lineLimiter) filtered(line []byte) []byte {
	n := contentSize(line)
	if n == 0 {
		return line
	}
	out := l.filter(line[:n])
	if out == nil {
		return nil
	}
	if len(out) == int(n) && &out[0] == &line[0] {
		return line // unchanged
	}
	return append(out, line[n:]...)
}

// next reads the next line, terminator included, with the error that ended
// it if it ends at an error rather than a newline. A line over the limit is
// dropped and reported instead, and next returns no bytes.
func (l *lineLimiter) next() ([]byte, error) {
	if cap(l.buf) > idleBufCap && l.src.Buffered() == 0 {
		l.buf = nil
	}
	line := l.buf[:0]
	for {
		frag, err := l.src.ReadSlice('\n')
		if int64(len(line)+len(frag))-2 > l.limit { // (limit+2 could overflow)
			return nil, l.drop(err, line, frag)
		}
		if len(line) == 0 && err != bufio.ErrBufferFull {
			line = frag // the whole line came in one read: no copy
		} else {
			line = l.grow(line, frag)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if contentSize(line) > l.limit {
			return nil, l.drop(err, line)
		}
		return line, err
	}
}

// grow appends frag to line, which lives in buf, doubling buf as needed up
// to limit+2 bytes (next drops longer lines before they get here).
func (l *lineLimiter) grow(line, frag []byte) []byte {
	if need := len(line) + len(frag); need > cap(line) {
		size := max(need, 2*cap(line))
		if int64(size)-2 > l.limit {
			size = int(l.limit) + 2
		}
		grown := make([]byte, len(line), size)
		copy(grown, line)
		line = grown
	}
	l.buf = append(line, frag...)
	return l.buf
}

// drop discards a line over the limit whose bytes so far are head, err
// being that of the last read (bufio.ErrBufferFull while the line goes on),
// and tells overlong its size and first bytes. It returns the error that
// ended the line, nil for a newline.
func (l *lineLimiter) drop(err error, head ...[]byte) error {
	var (
		size int64
		last [2]byte // the line's last bytes, to tell its terminator
	)
	l.prefix = l.prefix[:0]
	take := func(b []byte) {
		l.prefix = append(l.prefix, b[:min(len(b), prefixKeep-len(l.prefix))]...)
		size += int64(len(b))
		for _, c := range b[max(0, len(b)-2):] {
			last[0], last[1] = last[1], c
		}
	}
	for _, b := range head {
		take(b)
	}
	for err == bufio.ErrBufferFull {
		var frag []byte
		frag, err = l.src.ReadSlice('\n')
		take(frag)
	}
	// A dropped line holds more than limit >= 1 bytes, so last is full.
	size -= 2 - contentSize(last[:])
	l.overlong(size, l.prefix[:min(int64(len(l.prefix)), size)])
	return err
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
