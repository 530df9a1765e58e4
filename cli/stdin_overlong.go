package cli

import (
	"fmt"
	"io"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// overlong answers a stdin line the lineLimiter dropped for exceeding the
// message limit, so that a client awaiting its response gets an error
// instead of waiting forever, and logs it without its content. prefix is
// the line's first bytes, where its id is found.
func (f *stdioFront) overlong(size int64, prefix []byte) {
	f.logger.Warn("stdin message dropped: larger than --max-body-bytes", "bytes", size, "limit", f.limit)
	f.answer(rpcid.ErrorResponse(rpcid.ScanID(prefix), mcp.INVALID_REQUEST, overlongMessage(size, f.limit)))
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
