package cli

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
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
	line := rpcid.ErrorResponse(rpcid.ScanID(prefix), mcp.INVALID_REQUEST, overlongMessage(size, a.limit))
	if _, err := a.out.Write(append(line, '\n')); err != nil {
		a.logger.Error("answering a dropped stdin message", "error", err)
	}
}

// overlongMessage tells the agent what went wrong and what to do instead.
func overlongMessage(size, limit int64) string {
	return fmt.Sprintf("request of %d bytes exceeds the %d-byte limit per message (--max-body-bytes); "+
		"split the work, e.g. fewer events per send_events call", size, limit)
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
