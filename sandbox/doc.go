// Package sandbox is an embedded, in-memory server that speaks the Meshes
// HTTP API (/api/v1) as strictly as Meshes does, and really delivers events.
//
// It exists so that a newcomer can try the MCP server without a Meshes
// account, so that our end-to-end tests have a backend that checks the
// client's wire format, and so that users can point their own application
// tests at something that rejects what Meshes rejects. It deliberately
// depends on nothing of the MCP server: sharing types with the client would
// hide exactly the wire-format mistakes the sandbox is there to catch.
//
// The API it follows is described in docs/meshes-api.md. Where Meshes'
// sources leave a question open, the sandbox takes the reading recorded in
// that page's §17 and says so in a comment where the choice is made. The
// choices a user can observe are summarised here.
//
// # Wire conventions
//
//   - Error bodies are always {"message", "error": {"name", "message", "data"}}.
//     For validation failures (400/422 carrying per-field data) "message" is
//     the status phrase and error.message joins the field messages; for
//     every other error both carry the specific sentence ("Workspace not
//     found"). Unknown paths answer 404 and wrong methods 405 in that shape.
//   - Shape errors are 400; integration-specific or semantic ones 422
//     (connection metadata, rule actions, mapping schemas).
//   - Lists use {count, limit, next_cursor, records}; count is the number of
//     records in this page. Every list is newest first. Events and sessions
//     page by 50 by default, every other list by 20; all accept limit 1–200.
//     Cursors are opaque base64url tokens; a malformed one is a 400.
//   - Unknown JSON fields in request bodies are ignored (clients of newer API
//     versions keep working); malformed JSON or a wrong JSON type is a 400.
//   - A malformed UUID in a path is a 400 naming the parameter; a well-formed
//     but unknown one is a 404.
//   - POST /events and /events/bulk answer CORS (browsers post there with a
//     publishable key); the management API does not.
//   - Not simulated: rate limiting (no 429s), Idempotency-Key (ignored, as
//     Meshes documents no meaning for it).
//
// # Auth (auth.go)
//
// Machine JWTs are checked item by item as docs/meshes-api.md §3.1 lists, with 5 s of clock
// skew; aud may be the string or an array containing "meshes-api"; a token
// for another organisation is a 401. A publishable key is accepted only on
// the two ingestion routes; an event naming another workspace than the key's
// is a 403. When both headers are sent, Authorization decides.
//
// # Catalogs
//
// A new workspace has event type contact.created and resource global.
// Event names and resources used by ingested events or new rules that are
// not in the catalog are accepted and added to it. Events without a resource
// get "global".
//
// # Delivery
//
// Ingested events fan out to one delivery (rule_event) per matching active
// rule and are driven by background workers: pending → processing →
// completed, or → retrying → … → failed. Options.Backoff (default 200ms, 1s,
// 3s) is the wait before each automatic retry, so a delivery gets at most
// len(Backoff)+1 attempts per cycle. Webhook connections are delivered over
// real HTTP (see webhook.go for the metadata keys and headers); every other
// integration is simulated (providers.go) and succeeds unless the connection
// is inactive (metadata "sandbox_inactive_reason"), asks to fail (metadata
// "sandbox_fail": auth | rate_limit | server_error | not_found |
// validation), names a live item its account lacks, or needs an email the
// payload lacks.
package sandbox
