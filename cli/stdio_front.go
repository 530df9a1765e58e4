package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
)

// maxStdioCallsInFlight bounds the tool calls one stdio client may have
// running or queued. mcp-go's stdio server queues tool calls for 5 workers
// in a queue of 100; when that queue is full it serves the next call on its
// reading goroutine, so with about 105 calls in flight it stopped reading
// stdin: pings and cancellations went unanswered until a call finished.
// Below that bound the queue never fills, so reading never waits.
const maxStdioCallsInFlight = 64

// stdioFront sits on both sides of mcp-go's stdio server and fixes what it
// would get wrong about the JSON-RPC envelope, without forking it:
//
//   - A request id mcp-go would not echo exactly (it decodes numbers as
//     float64, so an integer beyond 2^53 came back altered) is swapped for a
//     placeholder string on the way in and restored, as the client wrote it,
//     in the response; a notifications/cancelled naming it is swapped too.
//   - A message nested deeper than encoding/json parses (mcp-go answered it
//     with a null id) is answered here with its id.
//   - Tool calls beyond maxStdioCallsInFlight are answered at once with a
//     busy error instead of stalling the reading of stdin.
type stdioFront struct {
	out    io.Writer // the serialised stdout mcp-go writes through
	logger *slog.Logger

	mu       sync.Mutex
	nextID   int
	pending  map[string]pendingID // id as mcp-go will write it → the request
	inFlight int                  // tool calls owed a response
	swapped  map[string]string    // client's raw id → placeholder, while pending
}

type pendingID struct {
	raw      []byte // the id as the client wrote it, when swapped
	toolCall bool
}

func newStdioFront(out io.Writer, logger *slog.Logger) *stdioFront {
	return &stdioFront{out: out, logger: logger, pending: map[string]pendingID{}, swapped: map[string]string{}}
}

// placeholderPrefix marks ids the front substituted; the process-unique
// counter after it keeps them apart.
const placeholderPrefix = "meshes-mcp-id:"

// inbound inspects one stdin line (content without its terminator) and
// returns what mcp-go should read instead, or nil when the front answered
// the line itself.
func (f *stdioFront) inbound(line []byte) []byte {
	if !json.Valid(line) {
		var probe json.RawMessage
		if err := json.Unmarshal(line, &probe); err != nil && bytes.Contains([]byte(err.Error()), []byte("exceeded max depth")) {
			f.answerError(rawRequestID(line), mcp.INVALID_REQUEST,
				"request nests deeper than 10000 levels of JSON, the most this server reads; flatten the arguments")
			return nil
		}
		return line // mcp-go answers the parse error
	}
	var method, id, params []byte
	for k, v := range rawjson.Members(line) {
		switch rawjson.Unquote(k) {
		case "method":
			method = v
		case "id":
			id = v
		case "params":
			params = v
		}
	}
	if method == nil {
		return line // a response to a server request
	}
	name := rawjson.Unquote(method)
	if id == nil || bytes.Equal(id, []byte("null")) {
		if name == string(mcp.MethodNotificationCancelled) {
			return f.swapCancelled(line, params)
		}
		return line
	}
	toolCall := name == string(mcp.MethodToolsCall)
	echoed, ok := mcpEcho(id)
	if !ok {
		return line // not a valid id; mcp-go refuses it
	}
	f.mu.Lock()
	if toolCall && f.inFlight >= maxStdioCallsInFlight {
		f.mu.Unlock()
		f.answerError(id, mcp.INTERNAL_ERROR, fmt.Sprintf(
			"server busy: %d tool calls are already running on this connection, so this call was not started; retry it when some have answered", maxStdioCallsInFlight))
		return nil
	}
	if toolCall {
		f.inFlight++
	}
	var entry pendingID
	entry.toolCall = toolCall
	if !bytes.Equal(echoed, id) {
		f.nextID++
		placeholder := placeholderPrefix + strconv.Itoa(f.nextID)
		echoed, _ = json.Marshal(placeholder)
		entry.raw = bytes.Clone(id)
		f.swapped[string(id)] = placeholder
		line = replaceMember(line, "id", echoed)
	}
	f.pending[string(echoed)] = entry
	f.mu.Unlock()
	return line
}

// swapCancelled points a cancellation at the placeholder of the request it
// names, when that request's id was swapped.
func (f *stdioFront) swapCancelled(line, params []byte) []byte {
	var requestID []byte
	for k, v := range rawjson.Members(params) {
		if rawjson.Unquote(k) == "requestId" {
			requestID = v
		}
	}
	f.mu.Lock()
	placeholder, ok := f.swapped[string(requestID)]
	f.mu.Unlock()
	if !ok {
		return line
	}
	quoted, _ := json.Marshal(placeholder)
	return replaceMember(line, "params", replaceMember(params, "requestId", quoted))
}

// outbound restores the client's id in a response mcp-go wrote and settles
// its request. msg is one whole message, as mcp-go writes each in one call.
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
	entry, ok := f.pending[string(id)]
	if ok {
		delete(f.pending, string(id))
		if entry.toolCall {
			f.inFlight--
		}
		if entry.raw != nil {
			delete(f.swapped, string(entry.raw))
		}
	}
	f.mu.Unlock()
	if !ok || entry.raw == nil {
		return msg
	}
	return append(replaceMember(bytes.TrimRight(msg, "\n"), "id", entry.raw), '\n')
}

// Write passes each message mcp-go writes through outbound.
func (f *stdioFront) Write(p []byte) (int, error) {
	if _, err := f.out.Write(f.outbound(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// answerError writes a JSON-RPC error for the request whose raw id is id
// (nil when unknown, answered with a null id as JSON-RPC prescribes).
func (f *stdioFront) answerError(id []byte, code int, message string) {
	if id == nil {
		id = []byte("null")
	}
	body, _ := json.Marshal(map[string]any{"code": code, "message": message})
	line := []byte(`{"jsonrpc":"2.0","id":` + string(id) + `,"error":` + string(body) + "}\n")
	if _, err := f.out.Write(line); err != nil {
		f.logger.Error("answering a stdin message", "error", err)
	}
}

// mcpEcho is the id mcp-go would write back for raw, and whether raw is an
// id it accepts at all.
func mcpEcho(raw []byte) ([]byte, bool) {
	var id mcp.RequestId
	if err := json.Unmarshal(raw, &id); err != nil {
		return nil, false
	}
	out, err := json.Marshal(id)
	return out, err == nil
}

// rawRequestID is the top-level id of a message too deep for encoding/json,
// found by a token scan, which has no depth limit; nil when there is none.
func rawRequestID(line []byte) []byte {
	switch id := requestID(line).(type) {
	case json.Number:
		return []byte(id)
	case string:
		b, _ := json.Marshal(id)
		return b
	}
	return nil
}

// replaceMember returns obj (a JSON object) with member name's value set to
// value; the other members keep their bytes and order.
func replaceMember(obj []byte, name string, value []byte) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for k, v := range rawjson.Members(obj) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(k)
		b.WriteByte(':')
		if rawjson.Unquote(k) == name {
			b.Write(value)
		} else {
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
