package cli

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// maxStdioCallsInFlight bounds the tool calls one stdio client may have
// running or queued, and is the size serveStdio gives mcp-go's tool-call
// queue. mcp-go queues tool calls for its workers and, when the queue is
// full, serves the next call on its reading goroutine: with its default
// queue of 100 it stopped reading stdin at about 105 calls in flight, so
// pings and cancellations went unanswered until a call finished. With at
// most this many calls in flight the queue never fills and reading never
// waits; further calls are refused as busy.
const maxStdioCallsInFlight = 1000

// stdioFront sits on both sides of mcp-go's stdio server and fixes what it
// would get wrong about the JSON-RPC envelope, without forking it:
//
//   - request ids come back exactly as the client wrote them, and a message
//     nested deeper than encoding/json reads is answered with its id (see
//     internal/rpcid);
//   - tool calls beyond maxStdioCallsInFlight are answered at once with a
//     busy error instead of stalling the reading of stdin;
//   - a message the refuser answers (an invalid prompts/get, which mcp-go
//     would report as -32603) is answered with its refusal, and its id.
type stdioFront struct {
	out    io.Writer // the serialised stdout mcp-go writes through
	logger *slog.Logger
	ids    rpcid.Swapper
	refuse httpserver.MessageRefuser // nil: refuse nothing

	mu       sync.Mutex
	calls    map[string]int // tool calls owed a response, by the id mcp-go will write
	inFlight int
}

func newStdioFront(out io.Writer, logger *slog.Logger, refuse httpserver.MessageRefuser) *stdioFront {
	return &stdioFront{out: out, logger: logger, refuse: refuse, calls: map[string]int{}}
}

// inbound inspects one stdin line (content without its terminator) and
// returns what mcp-go should read instead, or nil when the front answered
// the line itself.
func (f *stdioFront) inbound(line []byte) []byte {
	if rpcid.TooDeep(line) {
		f.answer(rpcid.ErrorResponse(rpcid.ScanID(line), mcp.INVALID_REQUEST, rpcid.TooDeepMessage))
		return nil
	}
	if f.refuse != nil {
		if refusal, refused := f.refuse(line); refused {
			f.answer(rpcid.ErrorResponse(rpcid.ScanID(line), refusal.Error.Code, refusal.Error.Message))
			return nil
		}
	}
	out, echoed, method := f.ids.Inbound(line)
	if method != string(mcp.MethodToolsCall) || echoed == nil {
		return out
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inFlight >= maxStdioCallsInFlight {
		if raw, ok := f.ids.Restore(echoed); ok {
			echoed = raw
		}
		f.answer(rpcid.ErrorResponse(echoed, mcp.INTERNAL_ERROR, fmt.Sprintf(
			"server busy: %d tool calls are already running on this connection, so this call was not started; retry it when some have answered", maxStdioCallsInFlight)))
		return nil
	}
	f.inFlight++
	f.calls[string(echoed)]++
	return out
}

// outbound settles the tool call a response answers and restores the
// client's id in it. msg is one whole message, as mcp-go writes each.
func (f *stdioFront) outbound(msg []byte) []byte {
	var id []byte
	response := false
	for k, v := range rawjson.Members(msg) {
		switch rawjson.Unquote(k) {
		case "id":
			id = v
		case "result", "error":
			response = true
		}
	}
	if !response || id == nil {
		return msg
	}
	f.mu.Lock()
	if f.calls[string(id)] > 0 {
		f.calls[string(id)]--
		if f.calls[string(id)] == 0 {
			delete(f.calls, string(id))
		}
		f.inFlight--
	}
	f.mu.Unlock()
	return f.ids.RestoreIn(msg)
}

// Write passes each message mcp-go writes through outbound.
func (f *stdioFront) Write(p []byte) (int, error) {
	if _, err := f.out.Write(f.outbound(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *stdioFront) answer(msg []byte) {
	if _, err := f.out.Write(append(msg, '\n')); err != nil {
		f.logger.Error("answering a stdin message", "error", err)
	}
}
