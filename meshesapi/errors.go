package meshesapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinels for errors.Is. *APIError matches the one for its status class;
// *NetworkError and *ResponseError match ErrTimeout, ErrNetwork and
// ErrOutcomeUnknown as described on each.
var (
	ErrInvalidRequest = errors.New("meshes rejected the request as invalid") // 400, 422
	ErrUnauthorized   = errors.New("meshes rejected the credentials")        // 401
	ErrForbidden      = errors.New("meshes credentials are not permitted")   // 403
	ErrNotFound       = errors.New("meshes object not found")                // 404
	ErrConflict       = errors.New("meshes reported a conflict")             // 409
	ErrRateLimited    = errors.New("meshes rate limit reached")              // 429
	ErrServer         = errors.New("meshes failed")                          // 5xx
	ErrTimeout        = errors.New("request to meshes timed out")
	ErrNetwork        = errors.New("network error talking to meshes")
	// ErrRequestTooLarge marks a request refused for its size, either here
	// before it was sent (*RequestTooLargeError) or by Meshes (413). Either
	// way nothing took effect: made smaller, it is safe to send.
	ErrRequestTooLarge = errors.New("request to meshes is too large")
	// ErrOutcomeUnknown marks a non-idempotent request (POST) that may or may
	// not have taken effect: it timed out, the connection failed after it was
	// sent, Meshes answered 5xx, or its success response could not be read.
	// Resending blindly could duplicate an event or object; the error text
	// says how to check first.
	ErrOutcomeUnknown = errors.New("outcome of the request is unknown")
)

// IsNotFound reports whether err is a 404 from Meshes.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsOutcomeUnknown reports whether a request may have taken effect although
// it returned an error; see ErrOutcomeUnknown.
func IsOutcomeUnknown(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }

// StatusCode returns the HTTP status of an *APIError in err's chain, else 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// FieldError is one parameter-level problem Meshes reported (error.data[]).
type FieldError struct {
	Param string `json:"param"`
	Msg   string `json:"msg"`
}

// APIError is a non-2xx answer from Meshes: the facts, for the caller to
// phrase (package tools writes what a model reads). Meshes' message and
// details are truncated and scrubbed of anything that looks like a
// credential; Error() is one plain line for logs.
type APIError struct {
	Status int
	// Op is the operation that failed and Objects the ids it named.
	Op      Operation
	Objects []ObjectRef
	Method  string
	// Path is relative to the API base, without the query.
	Path    string
	Message string
	Details []FieldError
	// RetryAfter is Meshes' requested wait (429/503), zero when not given.
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// Ingest is set when the request went to the ingestion base
	// (MESHES_EVENTS_URL) rather than the management base (MESHES_API_URL).
	Ingest bool
	// PublishableKey is set when it authenticated with the publishable key
	// rather than the machine JWT.
	PublishableKey bool
	// EarlierAttempt is set when an earlier attempt of this call reached
	// Meshes without a usable answer and may have taken effect.
	EarlierAttempt bool
}

func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidRequest:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrRequestTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrServer:
		return e.Status >= 500
	case ErrOutcomeUnknown:
		return e.Status >= 500 && e.Method == http.MethodPost
	}
	return false
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Meshes answered %d %s to %s %s", e.Status, http.StatusText(e.Status), e.Method, e.Path)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	b.WriteString(e.MeshesSays())
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// MeshesSays is Meshes' own account of the failure, its message and field
// details, as "; Meshes says "…"; param: msg", or "" when it gave none.
func (e *APIError) MeshesSays() string {
	var b strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&b, "; Meshes says %q", e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s", d.Param, d.Msg)
	}
	return b.String()
}

// MayBeOwnEffect reports a 409 on a retried PUT or a 404 on a retried
// DELETE after an earlier attempt reached Meshes without a usable answer:
// the call may have tripped over its own first attempt, which then applied
// the change. Callers must not present it as "does not exist".
func (e *APIError) MayBeOwnEffect() bool {
	return e.EarlierAttempt && (e.Status == http.StatusConflict && e.Method == http.MethodPut ||
		e.Status == http.StatusNotFound && e.Method == http.MethodDelete)
}

// RequestTooLargeError is a request the client refused to send because its
// encoded body is over Config.MaxRequestBytes. It never left the process, so
// it matches neither ErrNetwork nor ErrOutcomeUnknown: made smaller, it is
// safe to send. It carries sizes only, never any of the body.
type RequestTooLargeError struct {
	Op     Operation
	Method string
	// Path is relative to the API base, without the query.
	Path string
	// Size is the encoded body's length and Limit the cap, in bytes.
	Size, Limit int64
}

func (e *RequestTooLargeError) Is(target error) bool { return target == ErrRequestTooLarge }

func (e *RequestTooLargeError) Error() string {
	return fmt.Sprintf("the body of %s %s is %d bytes, over the %d-byte limit for a request to Meshes (%s), so nothing was sent",
		e.Method, e.Path, e.Size, e.Limit, EnvMaxRequestBytes)
}

// NetworkError is a request that got no complete answer: the connection
// failed, the attempt timed out, or the caller cancelled it. It unwraps to
// the underlying error (context.Canceled, context.DeadlineExceeded, a
// *net.OpError …) and matches ErrNetwork, ErrTimeout when it timed out, and
// ErrOutcomeUnknown when a POST may have reached Meshes.
type NetworkError struct {
	Op       Operation
	Objects  []ObjectRef
	Method   string
	Path     string
	Timeout  bool
	Canceled bool
	// Sent is false only when the request provably never left: no connection
	// to Meshes was ever obtained.
	Sent bool
	// Status is set when the failure came while reading a response body.
	Status   int
	Attempts int
	Err      error
	// TimeoutAfter is the per-attempt timeout that passed, when one did.
	TimeoutAfter time.Duration
	// Ingest is set when the request went to the ingestion base.
	Ingest bool
	// detail is Err's text scrubbed of credentials: Go's HTTP client
	// quotes a malformed status line or header verbatim, and a broken
	// upstream may put the request's Authorization value there.
	detail string
}

// reason is what the summary shows of the underlying failure.
func (e *NetworkError) reason() string {
	if e.detail != "" {
		return e.detail
	}
	return e.Err.Error()
}

func (e *NetworkError) Unwrap() error { return e.Err }

func (e *NetworkError) Is(target error) bool {
	switch target {
	case ErrNetwork:
		return true
	case ErrTimeout:
		return e.Timeout
	case ErrOutcomeUnknown:
		return e.OutcomeUnknown()
	}
	return false
}

// OutcomeUnknown reports a POST that may have reached Meshes.
func (e *NetworkError) OutcomeUnknown() bool { return e.Sent && e.Method == http.MethodPost }

func (e *NetworkError) Error() string {
	switch {
	case e.OutcomeUnknown():
		return e.Summary() + "; the request may have reached Meshes"
	case !e.Sent:
		return e.Summary() + "; the request never reached Meshes"
	}
	return e.Summary()
}

// Summary says what went wrong, without what it means for the request's
// effect: how the exchange failed, on which request, after how many
// attempts.
func (e *NetworkError) Summary() string {
	var b strings.Builder
	switch {
	case e.Canceled:
		fmt.Fprintf(&b, "%s %s was cancelled", e.Method, e.Path)
	case e.Timeout && e.TimeoutAfter == 0:
		fmt.Fprintf(&b, "%s %s got no complete answer from Meshes before the call's deadline", e.Method, e.Path)
	case e.Timeout && e.Status != 0:
		fmt.Fprintf(&b, "%s %s timed out after %s while reading Meshes' %d response", e.Method, e.Path, e.TimeoutAfter, e.Status)
	case e.Timeout:
		fmt.Fprintf(&b, "%s %s timed out after %s waiting for Meshes", e.Method, e.Path, e.TimeoutAfter)
	case e.Status != 0:
		fmt.Fprintf(&b, "network error reading Meshes' %d response to %s %s (%s)", e.Status, e.Method, e.Path, e.reason())
	default:
		fmt.Fprintf(&b, "network error sending %s %s to Meshes (%s)", e.Method, e.Path, e.reason())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// ResponseError is a 2xx answer whose body could not be used: too large, not
// JSON, or malformed. For a POST it matches ErrOutcomeUnknown: Meshes applied
// the request but the result (an id, per-item outcomes) is lost.
type ResponseError struct {
	Op      Operation
	Method  string
	Path    string
	Status  int
	Problem string
	// NotJSON is set when the body was not JSON at all (a wrong base URL
	// answering with a web page, typically); Ingest says which base.
	NotJSON bool
	Ingest  bool
	Err     error
}

func (e *ResponseError) Unwrap() error { return e.Err }

func (e *ResponseError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.Method == http.MethodPost
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("Meshes answered %d to %s %s but %s", e.Status, e.Method, e.Path, e.Problem)
}
