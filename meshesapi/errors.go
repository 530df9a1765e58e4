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

// APIError is a non-2xx answer from Meshes. Error() is one sentence that says
// what happened and what to do next; the API's message and details are
// truncated and scrubbed of anything that looks like a credential.
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

	ingest         bool   // sent to the ingestion base
	publishableKey bool   // authenticated with the publishable key, not the JWT
	verifyHint     string // how to check a POST whose outcome is unknown
	earlierAttempt bool   // an earlier attempt of this call may have taken effect
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
	b.WriteString(e.headline())
	fmt.Fprintf(&b, " (%d %s on %s %s", e.Status, http.StatusText(e.Status), e.Method, e.Path)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", after %d attempts", e.Attempts)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, "; Meshes says %q", e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s", d.Param, d.Msg)
	}
	b.WriteString("): ")
	b.WriteString(e.advice())
	return b.String()
}

func (e *APIError) headline() string {
	switch s := e.Status; {
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return "Meshes rejected the request as invalid"
	case s == http.StatusUnauthorized && e.publishableKey:
		return "Meshes rejected the publishable key"
	case s == http.StatusUnauthorized:
		return "Meshes rejected the machine credentials"
	case s == http.StatusForbidden:
		return "the machine key is valid but not permitted to do this"
	case s == http.StatusNotFound && pathKinds(e.Op) != "":
		return pathKinds(e.Op) + " not found"
	case s == http.StatusNotFound:
		return "Meshes has no such endpoint"
	case s == http.StatusConflict && e.Op.Name == opDeleteConnection.Name:
		return "the connection is still used by rules"
	case s == http.StatusConflict:
		return "the request conflicts with the current state in Meshes"
	case s == http.StatusRequestEntityTooLarge:
		return "Meshes refused the request as too large"
	case s == http.StatusTooEarly:
		return "Meshes is already retrying this delivery"
	case s == http.StatusTooManyRequests:
		return "Meshes rate limit reached"
	case s >= 500:
		return "Meshes failed"
	case s >= 300 && s < 400:
		return "Meshes answered with a redirect"
	}
	return "Meshes refused the request"
}

func (e *APIError) advice() string {
	switch s := e.Status; {
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return "fix the named fields and call again"
	case s == http.StatusUnauthorized && e.publishableKey:
		return "check that " + EnvPublishableKey + " is the workspace's current publishable key"
	case s == http.StatusUnauthorized:
		return "check that " + EnvAccessKey + ", " + EnvSecretKey + " and " + EnvOrgID +
			" belong to the same machine key and that this computer's clock is correct (tokens live 30 s)"
	case s == http.StatusForbidden:
		return "the machine key's scopes do not cover this organization, workspace or operation; widen them in the Meshes dashboard"
	case e.MayBeOwnEffect():
		// A retried PUT or DELETE can trip over its own first attempt.
		return "an earlier attempt of this call failed in transit and may already have applied it; read the current state to check"
	case s == http.StatusNotFound && pathKinds(e.Op) != "":
		return "check the id, for example by listing " + pluralKinds(pathKinds(e.Op))
	case s == http.StatusNotFound:
		return "check that " + urlVariable(e.ingest) + " points at the Meshes API"
	case s == http.StatusConflict:
		return e.conflictAdvice()
	case s == http.StatusRequestEntityTooLarge:
		// Meshes publishes no limit; if it is below this client's cap, a
		// lower cap makes callers that split their work send smaller requests.
		return "nothing was stored; " + shrinkHint(e.Op) + ", then call again; if smaller requests are refused too, Meshes' limit is below this client's, so lower " + EnvMaxRequestBytes
	case s == http.StatusTooEarly:
		return "wait for the scheduled attempt and get the event to see its outcome instead of retrying now"
	case s == http.StatusTooManyRequests && e.RetryAfter > 0:
		return "wait " + e.RetryAfter.String() + " before calling again"
	case s == http.StatusTooManyRequests:
		return "wait a few seconds before calling again, and make fewer calls at once"
	case s >= 500 && e.Method == http.MethodPost:
		return "the effect is unknown, it may or may not have been applied; " + e.verifyHint
	case s >= 500 && e.RetryAfter > 0:
		return "this is a problem on Meshes' side; try again in " + e.RetryAfter.String()
	case s >= 500:
		return "this is a problem on Meshes' side; the request is safe to repeat later"
	case s >= 300 && s < 400:
		return "check that " + urlVariable(e.ingest) + " is the exact API address (scheme, host and path)"
	}
	return "check the request against the Meshes API"
}

func (e *APIError) conflictAdvice() string {
	switch e.Op.Name {
	case opDeleteConnection.Name:
		return "delete the rules that use it first, or call again with force_delete to delete it anyway"
	case opPutDefaultMapping.Name:
		return "the mapping was changed since you read it; get it again and reapply your change with the new expected_version"
	case opRefreshSession.Name:
		return "the session can no longer be refreshed (revoked or expired); create a new session"
	case opRetryDelivery.Name:
		return "this delivery cannot be retried in its current state; get the event to see the delivery's status"
	}
	return "read the current state (for example whether the name is already taken) and adjust the request"
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
	return fmt.Sprintf("the body of %s %s is %d bytes, over the %d-byte limit for a request to Meshes (%s), so nothing was sent: %s, then call again",
		e.Method, e.Path, e.Size, e.Limit, EnvMaxRequestBytes, shrinkHint(e.Op))
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

	timeoutAfter time.Duration
	verifyHint   string
	ingest       bool
}

func (e *NetworkError) Unwrap() error { return e.Err }

func (e *NetworkError) Is(target error) bool {
	switch target {
	case ErrNetwork:
		return true
	case ErrTimeout:
		return e.Timeout
	case ErrOutcomeUnknown:
		return e.outcomeUnknown()
	}
	return false
}

func (e *NetworkError) outcomeUnknown() bool { return e.Sent && e.Method == http.MethodPost }

func (e *NetworkError) Error() string {
	var b strings.Builder
	switch {
	case e.Canceled:
		fmt.Fprintf(&b, "%s %s was cancelled", e.Method, e.Path)
	case e.Timeout && e.Status != 0:
		fmt.Fprintf(&b, "%s %s timed out after %s while reading Meshes' %d response", e.Method, e.Path, e.timeoutAfter, e.Status)
	case e.Timeout:
		fmt.Fprintf(&b, "%s %s timed out after %s waiting for Meshes", e.Method, e.Path, e.timeoutAfter)
	case e.Status != 0:
		fmt.Fprintf(&b, "network error reading Meshes' %d response to %s %s (%s)", e.Status, e.Method, e.Path, e.Err)
	default:
		fmt.Fprintf(&b, "network error sending %s %s to Meshes (%s)", e.Method, e.Path, e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	switch {
	case e.outcomeUnknown() && e.Status >= 200 && e.Status < 300:
		b.WriteString(": Meshes accepted the request but its result could not be read, so do not resend it; " + e.verifyHint)
	case e.outcomeUnknown():
		b.WriteString(": the effect is unknown, Meshes may or may not have applied it; " + e.verifyHint)
	case e.Canceled:
		b.WriteString(": nothing was retried")
	case !e.Sent:
		b.WriteString(": the request never reached Meshes, so it is safe to send again; check " + urlVariable(e.ingest) + " and the network")
	default:
		b.WriteString(": the request is safe to repeat")
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
	Err     error

	verifyHint string
}

func (e *ResponseError) Unwrap() error { return e.Err }

func (e *ResponseError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.Method == http.MethodPost
}

func (e *ResponseError) Error() string {
	msg := fmt.Sprintf("Meshes answered %d to %s %s but %s", e.Status, e.Method, e.Path, e.Problem)
	switch e.Method {
	case http.MethodPost:
		return msg + "; the request took effect but its result is unknown, so do not resend it; " + e.verifyHint
	case http.MethodGet:
		return msg + "; reading has no effect, so it is safe to call again, and if it keeps failing check that " + EnvAPIURL + " points at the Meshes API"
	}
	return msg + "; the change was applied but its result could not be read: read the object again to see its state"
}

// pluralKinds turns "connection" into "connections" and "event or rule" into
// "events or rules".
func pluralKinds(kind string) string {
	parts := strings.Split(kind, " or ")
	for i, p := range parts {
		parts[i] = p + "s"
	}
	return strings.Join(parts, " or ")
}

// MayBeOwnEffect reports a 409 on a retried PUT or a 404 on a retried
// DELETE after an earlier attempt reached Meshes without a usable answer:
// the call may have tripped over its own first attempt, which then applied
// the change. Callers must not present it as "does not exist".
func (e *APIError) MayBeOwnEffect() bool {
	return e.earlierAttempt && (e.Status == http.StatusConflict && e.Method == http.MethodPut ||
		e.Status == http.StatusNotFound && e.Method == http.MethodDelete)
}
