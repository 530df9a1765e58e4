package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// overlongAnswerer answers a stdin line dropped for exceeding the message
// limit, so that a client awaiting its response gets an error instead of
// waiting forever, and logs it without its content.
type overlongAnswerer struct {
	out    io.Writer // shared with mcp-go: whole Write calls must not interleave
	limit  int64
	logger *slog.Logger
}

func (a *overlongAnswerer) answer(size int64, prefix []byte) {
	a.logger.Warn("stdin message dropped: larger than --max-body-bytes", "bytes", size, "limit", a.limit)
	answer := mcp.NewJSONRPCError(mcp.NewRequestId(requestID(prefix)), mcp.INVALID_REQUEST, overlongMessage(size, a.limit), nil)
	line, err := json.Marshal(answer)
	if err != nil {
		a.logger.Error("encoding the answer to a dropped stdin message", "error", err)
		return
	}
	if _, err := a.out.Write(append(line, '\n')); err != nil {
		a.logger.Error("answering a dropped stdin message", "error", err)
	}
}

// overlongMessage tells the agent what went wrong and what to do instead.
func overlongMessage(size, limit int64) string {
	return fmt.Sprintf("request of %d bytes exceeds the %d-byte limit per message (--max-body-bytes); "+
		"split the work, e.g. fewer events per send_events call", size, limit)
}

// requestID finds the top-level "id" of a JSON-RPC request from the first
// bytes of its line, tolerating the truncation: a json.Number or a string,
// else nil (encoded as null, which is what JSON-RPC prescribes when the id
// cannot be determined).
func requestID(prefix []byte) any {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for {
		key, err := dec.Token()
		name, isKey := key.(string)
		if err != nil || !isKey {
			return nil
		}
		if name != "id" {
			if skipValue(dec) != nil {
				return nil
			}
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch tok.(type) {
		case json.Number, string:
			return tok
		}
		return nil
	}
}

// skipValue consumes the next value, however deeply nested.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// syncWriter makes each Write whole with respect to the others. mcp-go
// writes every message in one Write under a lock of its own; answers to
// dropped lines are written from the reading goroutine, outside that lock.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
