package cli

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
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
//     would report as -32603) is answered with its refusal, and its id;
//   - a tool call's arguments are lifted into the stash the tool adapter
//     reads them from, so that mcp-go does not decode them (see argstash);
//   - a line over the message limit, which the lineLimiter drops, is
//     answered with an error naming the limit (see overlong).
//
// Every answer the front writes itself goes through answer.
type stdioFront struct {
	out    io.Writer // the serialised stdout mcp-go writes through
	logger *slog.Logger
	limit  int64 // the largest stdin line read, --max-body-bytes
	ids    rpcid.Swapper
	refuse httpserver.MessageRefuser // nil: refuse nothing
	stash  *argstash.Stash           // nil: leave arguments in the message

	mu sync.Mutex
	// calls holds the tool calls owed a response, by the id mcp-go will
	// write (a client should not reuse an id, but may).
	calls    map[string]*owedCalls
	inFlight int
}

// owedCalls are the tool calls in flight under one id. A response does not
// say which of them it answers, so their arguments are let go when the last
// is answered; each call that ran has taken its own by then.
type owedCalls struct {
	n      int
	tokens []string // of the calls whose arguments were lifted
}

func newStdioFront(out io.Writer, logger *slog.Logger, limit int64, refuse httpserver.MessageRefuser, stash *argstash.Stash) *stdioFront {
	return &stdioFront{out: out, logger: logger, limit: limit, refuse: refuse, stash: stash, calls: map[string]*owedCalls{}}
}

// inbound inspects one stdin line (content without its terminator) and
// returns what mcp-go should read instead, or nil when the front answered
// the line itself.
func (f *stdioFront) inbound(line []byte) []byte {
	if f.refuse != nil {
		// The refuser passes a line it cannot decode, a too-deep one too.
		if refusal, refused := f.refuse(line); refused {
			f.answer(rpcid.ErrorResponse(rpcid.ScanID(line), refusal.Error.Code, refusal.Error.Message))
			return nil
		}
	}
	// Inbound validates the line; only one it finds no method in (invalid
	// JSON, or a response) can be too deep, so no request is scanned twice.
	out, echoed, method := f.ids.Inbound(line)
	if method == "" && rpcid.TooDeep(line) {
		f.answer(rpcid.ErrorResponse(rpcid.ScanID(line), mcp.INVALID_REQUEST, rpcid.TooDeepMessage))
		return nil
	}
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
	owed := f.calls[string(echoed)]
	if owed == nil {
		owed = &owedCalls{}
		f.calls[string(echoed)] = owed
	}
	owed.n++
	if f.stash != nil {
		var token string
		var lifted bool
		if out, token, lifted = f.stash.Lift(out); lifted {
			owed.tokens = append(owed.tokens, token)
		}
	}
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
	if owed := f.calls[string(id)]; owed != nil {
		f.inFlight--
		if owed.n--; owed.n == 0 {
			for _, token := range owed.tokens {
				f.stash.Drop(token) // taken already, unless the call never ran
			}
			delete(f.calls, string(id))
		}
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

// answer writes msg, a message of the front's own, as one stdout line; out
// is shared with mcp-go, so the Write must be whole.
func (f *stdioFront) answer(msg []byte) {
	if _, err := f.out.Write(append(msg, '\n')); err != nil {
		f.logger.Error("answering a stdin message", "error", err)
	}
}
