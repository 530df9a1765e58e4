// Package faultmeshes is a fault-injecting stand-in for Meshes: an
// http.Handler placed in front of a real Meshes-compatible handler (the
// sandbox) that, request by request, either forwards untouched or misbehaves
// the way a production API, a load balancer or a flaky network does.
//
// It exists to prove, on the wire, what the server promises about failures:
// that reads recover within the retry budget, that a POST whose fate is
// unknown is sent exactly once, and that every failure ends in an error a
// model can act on. Faults come from deterministic per-request scripts
// (Script) or from a seeded random rate (SetRandom), and every request that
// arrives is logged, so tests count requests on the wire per method and path
// instead of trusting the client's own bookkeeping.
package faultmeshes

import "fmt"

// Kind is one way a request can go wrong.
type Kind int

const (
	// Pass forwards the request and returns the upstream's answer untouched.
	Pass Kind = iota
	// RateLimited answers 429, with Fault.RetryAfter as Retry-After when set.
	RateLimited
	// InternalError answers 500.
	InternalError
	// BadGateway answers 502, as a load balancer does when Meshes is down.
	BadGateway
	// Unavailable answers 503, with Fault.RetryAfter when set.
	Unavailable
	// GatewayTimeout answers 504.
	GatewayTimeout
	// Hang never answers: it holds the request until the client gives up
	// (its timeout or cancellation) or the Server closes.
	Hang
	// Reset closes the TCP connection with a RST before any response byte.
	Reset
	// ResetMidBody sends the upstream's status line, headers and half its
	// body, then resets the connection: the client sees an unexpected EOF
	// or a reset while reading the body.
	ResetMidBody
	// TruncatedJSON sends a complete HTTP 2xx response whose JSON body is
	// cut in half: the HTTP exchange succeeds, decoding fails.
	TruncatedJSON
	// MalformedJSON sends a complete 2xx response whose body is not JSON
	// although it says application/json.
	MalformedJSON
	// Oversize sends the upstream's body padded with JSON whitespace to
	// Fault.Size bytes (default DefaultOversize): valid JSON, too large for
	// a client that caps what it reads.
	Oversize
)

// DefaultOversize is the body size of an Oversize fault with Size 0: larger
// than meshesapi's default response cap (8 MiB).
const DefaultOversize = 9 << 20

var kindNames = [...]string{
	Pass: "pass", RateLimited: "429", InternalError: "500", BadGateway: "502", Unavailable: "503",
	GatewayTimeout: "504", Hang: "hang", Reset: "reset", ResetMidBody: "reset-mid-body",
	TruncatedJSON: "truncated-json", MalformedJSON: "malformed-json", Oversize: "oversize",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Status is the HTTP status a status-answering fault sends, 0 for the rest.
func (k Kind) Status() int {
	switch k {
	case RateLimited:
		return 429
	case InternalError:
		return 500
	case BadGateway:
		return 502
	case Unavailable:
		return 503
	case GatewayTimeout:
		return 504
	}
	return 0
}

// corruptsResponse reports kinds that need the upstream's real answer to
// corrupt, so the upstream always handles the request first.
func (k Kind) corruptsResponse() bool {
	switch k {
	case ResetMidBody, TruncatedJSON, MalformedJSON, Oversize:
		return true
	}
	return false
}

// Fault is what happens to one request.
type Fault struct {
	Kind Kind
	// RetryAfter is sent as the Retry-After header of a 429 or 503; empty
	// sends none.
	RetryAfter string
	// Forward lets the upstream handle the request before a status, Hang
	// or Reset fault replaces its answer: the "Meshes applied it but the
	// answer was lost" case, which is what makes a blind POST retry
	// dangerous. Response-corrupting kinds always forward.
	Forward bool
	// Size is the body size of an Oversize fault; 0 means DefaultOversize.
	Size int
}

// Transient are the faults a retry of an idempotent request recovers from:
// rate limits (with and without a zero Retry-After), 5xx, hangs past the
// client's timeout and connection resets. Complete but corrupt 2xx answers
// are not in the list: Meshes answered, and no retry policy should repeat a
// request that got an answer.
func Transient() []Fault {
	return []Fault{
		{Kind: RateLimited}, {Kind: RateLimited, RetryAfter: "0"},
		{Kind: InternalError}, {Kind: BadGateway}, {Kind: Unavailable}, {Kind: GatewayTimeout},
		{Kind: Hang}, {Kind: Reset}, {Kind: ResetMidBody},
	}
}

// Forwards reports whether the upstream handles the request before the
// fault strikes, so that its effect takes place.
func (f Fault) Forwards() bool { return f.Kind == Pass || f.Forward || f.Kind.corruptsResponse() }

func (f Fault) String() string {
	s := f.Kind.String()
	if f.RetryAfter != "" {
		s += " Retry-After:" + f.RetryAfter
	}
	if f.Forward && !f.Kind.corruptsResponse() && f.Kind != Pass {
		s += " after forwarding"
	}
	return s
}
