package httpserver

import (
	"net/http"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// sseProtocolVersions are the protocol versions the SSE transport can
// serve: those before 2026-07-28, whose stateless core (and its Mcp-Method
// and Mcp-Name headers) belongs to streamable HTTP.
var sseProtocolVersions = slices.DeleteFunc(slices.Clone(mcp.ValidProtocolVersions), mcp.IsModernProtocol)

// offerSSEVersions wraps the POST /message handler so that server/discover
// over SSE offers only sseProtocolVersions. mcp-go offers every version it
// knows on every transport; a current client (the MCP Inspector, the
// TypeScript SDK in its "auto" negotiation) then chose 2026-07-28 over SSE
// and every request after the probe failed mcp-go's header check
// ("Mcp-Method: missing required header"). Offered only what SSE serves,
// the client falls back to the initialize handshake.
func offerSSEVersions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(server.WithSupportedProtocolVersions(r.Context(), sseProtocolVersions)))
	})
}
