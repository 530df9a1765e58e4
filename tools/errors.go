package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// notFoundError reports an object the agent may not see, in the same words
// as an object that does not exist, so that a workspace allowlist cannot be
// probed for what lies outside it.
type notFoundError struct {
	kind, id, list string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("%s %s not found: check the id, for example with %s", e.kind, e.id, e.list)
}

func notFound(kind, id string) error {
	return &notFoundError{kind: kind, id: id, list: listToolFor(kind)}
}

// refusedError is a call the server's policy forbids.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// errorText turns any error a tool returns into the one sentence the model
// reads: what happened and what to do next. meshesapi reports facts (the
// operation, the ids, Meshes' message, whether the outcome is unknown);
// every sentence built from them is written in this file.
func errorText(err error) string {
	var (
		fieldErr  *schemas.FieldError
		clientErr *meshesapi.ValidationError
		apiErr    *meshesapi.APIError
	)
	switch {
	case errors.As(err, &fieldErr):
		return "invalid arguments: " + fieldErr.Error() + "."
	case errors.As(err, &clientErr):
		return "invalid arguments: " + strings.TrimPrefix(clientErr.Error(), "invalid ") + "."
	case errors.As(err, &apiErr) && isPlainPathNotFound(apiErr):
		// Same sentence as an object hidden by the workspace allowlist.
		obj := pathObjects(apiErr.Objects)[0]
		return notFound(obj.Kind, obj.ID).Error()
	case meshesapi.IsOutcomeUnknown(err):
		// Checked before cancellation and deadlines: a POST that may already
		// have reached Meshes must never be reported as not sent.
		return describe(err)
	case errors.Is(err, context.Canceled):
		return "the call was cancelled before it finished; nothing else was sent"
	case errors.Is(err, context.DeadlineExceeded):
		return "the call ran out of time before Meshes answered; " + describe(err)
	}
	return describe(err)
}

// describe phrases a meshesapi error as a sentence with its advice; any
// other error is made a sentence as it is. A wrapping error's own words
// (such as "stopped waiting to retry") are kept around the phrased text.
func describe(err error) string {
	var (
		apiErr   *meshesapi.APIError
		netErr   *meshesapi.NetworkError
		respErr  *meshesapi.ResponseError
		tooLarge *meshesapi.RequestTooLargeError
		text     string
		inner    error
	)
	switch {
	case errors.As(err, &apiErr):
		text, inner = apiErrorText(apiErr), apiErr
	case errors.As(err, &tooLarge):
		text, inner = tooLarge.Error()+": "+shrinkHint(tooLarge.Op)+", then call again", tooLarge
	case errors.As(err, &netErr):
		text, inner = networkErrorText(netErr), netErr
	case errors.As(err, &respErr):
		text, inner = responseErrorText(respErr), respErr
	default:
		return sentence(err)
	}
	return sentence(errors.New(strings.Replace(err.Error(), inner.Error(), text, 1)))
}

// apiErrorText is a non-2xx answer: what Meshes refused, the facts it gave,
// and what to do.
func apiErrorText(e *meshesapi.APIError) string {
	var b strings.Builder
	b.WriteString(apiHeadline(e))
	fmt.Fprintf(&b, " (%d %s on %s %s", e.Status, http.StatusText(e.Status), e.Method, e.Path)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", after %d attempts", e.Attempts)
	}
	b.WriteString(e.MeshesSays())
	b.WriteString("): ")
	b.WriteString(apiAdvice(e))
	return b.String()
}

// pathKinds names the objects the operation's path addresses by id:
// "connection", "event or rule", or "" for a collection.
func pathKinds(op meshesapi.Operation) string {
	var kinds []string
	for _, id := range op.IDs {
		if id.In == meshesapi.InPath {
			kinds = append(kinds, id.Kind)
		}
	}
	return strings.Join(kinds, " or ")
}

func apiHeadline(e *meshesapi.APIError) string {
	switch s := e.Status; {
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return "Meshes rejected the request as invalid"
	case s == http.StatusUnauthorized && e.PublishableKey:
		return "Meshes rejected the publishable key"
	case s == http.StatusUnauthorized:
		return "Meshes rejected the machine credentials"
	case s == http.StatusForbidden:
		return "the machine key is valid but not permitted to do this"
	case s == http.StatusNotFound:
		if ref, ok := missingObject(e); ok {
			if ref.ID != "" {
				return ref.Kind + " " + ref.ID + " not found"
			}
			return "a " + ref.Kind + " named in the request was not found"
		}
		if pathKinds(e.Op) != "" {
			return pathKinds(e.Op) + " not found"
		}
		return "Meshes has no such endpoint"
	case s == http.StatusConflict && e.Op.Name == "DeleteConnection":
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

func apiAdvice(e *meshesapi.APIError) string {
	switch s := e.Status; {
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return "fix the named fields and call again"
	case s == http.StatusUnauthorized && e.PublishableKey:
		return "check that " + meshesapi.EnvPublishableKey + " is the workspace's current publishable key"
	case s == http.StatusUnauthorized:
		return "check that " + meshesapi.EnvAccessKey + ", " + meshesapi.EnvSecretKey + " and " + meshesapi.EnvOrgID +
			" belong to the same machine key and that this computer's clock is correct (tokens live 30 s)"
	case s == http.StatusForbidden:
		return "the machine key's scopes do not cover this organization, workspace or operation; widen them in the Meshes dashboard"
	case e.MayBeOwnEffect():
		// A retried PUT or DELETE can trip over its own first attempt.
		return "an earlier attempt of this call failed in transit and may already have applied it; read the current state to check"
	case s == http.StatusNotFound:
		if ref, ok := missingObject(e); ok {
			return notFoundAdvice(e.Op, ref)
		}
		if pathKinds(e.Op) != "" {
			return "check the id, for example by listing " + pluralKinds(pathKinds(e.Op))
		}
		// Meshes names the object it could not find; a 404 that names
		// none (or an HTML page) on a path without ids is a wrong address.
		return "Meshes does not know this address, so check that " + urlVariable(e.Ingest) + " points at the Meshes API"
	case s == http.StatusConflict:
		return conflictAdvice(e)
	case s == http.StatusRequestEntityTooLarge:
		// Meshes publishes no limit; if it is below this client's cap, a
		// lower cap makes callers that split their work send smaller requests.
		return "nothing was stored; " + shrinkHint(e.Op) + ", then call again; if smaller requests are refused too, Meshes' limit is below this client's, so lower " + meshesapi.EnvMaxRequestBytes
	case s == http.StatusTooEarly:
		return "wait for the scheduled attempt and get the event to see its outcome instead of retrying now"
	case s == http.StatusTooManyRequests && e.RetryAfter > 0:
		return "wait " + e.RetryAfter.String() + " before calling again"
	case s == http.StatusTooManyRequests:
		return "wait a few seconds before calling again, and make fewer calls at once"
	case s >= 500 && e.Method == http.MethodPost:
		return "the effect is unknown, it may or may not have been applied; " + verifyHint(e.Op)
	case s >= 500 && e.RetryAfter > 0:
		return "this is a problem on Meshes' side; try again in " + e.RetryAfter.String()
	case s >= 500:
		return "this is a problem on Meshes' side; the request is safe to repeat later"
	case s >= 300 && s < 400:
		return "check that " + urlVariable(e.Ingest) + " is the exact API address (scheme, host and path)"
	}
	return "check the request against the Meshes API"
}

// conflictAdvice fits a 409 to its cause. Meshes' message says which
// conflict it is (an inactive connection, a name already taken, rules still
// using a connection, a stale expected_version, a retry already under way);
// the operation decides only when the message does not.
func conflictAdvice(e *meshesapi.APIError) string {
	msg := strings.ToLower(e.Message)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(msg, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("inactive", "reconnect", "revoked credentials", "invalid credentials"):
		return "the connection is inactive (its credentials were revoked or are invalid); reconnect it with update_connection and valid credentials, or in the Meshes dashboard for OAuth integrations, then call again"
	case has("version") || e.Op.Name == "PutDefaultMapping" && msg == "":
		return "the mapping was changed since you read it; get it again (get_connection_mapping) and reapply your change with the new expected_version"
	case has("already retrying", "scheduled", "in flight", "in progress", "already running"):
		return "Meshes is already retrying this delivery; wait for that attempt and get the event to see its outcome instead of retrying now"
	case has("referencing", "has rules", "active rules", "rule(s)", "still used") || e.Op.Name == "DeleteConnection":
		return "delete the rules that use it first, or call again with force_delete to delete it anyway"
	case e.Op.Name == "RefreshSession" || has("revoked", "expired"):
		return "the session can no longer be refreshed (revoked or expired); create a new session"
	case e.Op.Name == "CancelDelivery" || e.Op.Name == "CancelEvent":
		return "nothing is left to cancel: the delivery has already ended (completed, failed or canceled); get_delivery shows its status"
	case e.Op.Name == "RetryDelivery" || has("already completed", "nothing to retry"):
		return "this delivery cannot be retried in its current state; get the event to see the delivery's status"
	case has("already exists", "duplicate", "already taken", "already routes"):
		return "one with the same name or settings already exists; use the existing one (" + listToolFor(conflictKind(msg, e.Op.Kind)) + " shows it) or choose another name"
	case e.Op.Method == http.MethodPost || e.Op.Method == http.MethodPut:
		return "read the current state (for example whether the name is already taken) and adjust the request"
	}
	return "read the current state and adjust the request"
}

// conflictKind is the kind of object a conflict message starts with
// ("connection already exists"), else the operation's.
func conflictKind(msg, fallback string) string {
	first, _, _ := strings.Cut(msg, " ")
	if listToolFor(first) != "" {
		return first
	}
	return fallback
}

// missingObject is the object a 404 is about when Meshes' message names
// one of the ids the request carried ("Workspace not found"), including
// ids in the body, which the path cannot show.
func missingObject(e *meshesapi.APIError) (meshesapi.ObjectRef, bool) {
	m := namedNotFound.FindStringSubmatch(e.Message)
	if m == nil {
		return meshesapi.ObjectRef{}, false
	}
	kind := strings.TrimSuffix(strings.ToLower(m[1]), "s")
	for _, o := range e.Objects {
		if o.Kind == kind {
			return o, true
		}
	}
	for _, ref := range e.Op.IDs {
		if ref.Kind == kind {
			return meshesapi.ObjectRef{IDRef: ref}, true
		}
	}
	return meshesapi.ObjectRef{}, false
}

// namedNotFound matches Meshes' 404 message naming an object kind.
var namedNotFound = lazyregexp.New(`(?i)\b([a-z]+)\s+not\s+found\b`)

// isPlainPathNotFound reports a 404 about the one object the path names,
// which reads exactly like an object hidden by the workspace allowlist.
func isPlainPathNotFound(e *meshesapi.APIError) bool {
	if e.Status != http.StatusNotFound || e.MayBeOwnEffect() || len(pathObjects(e.Objects)) != 1 {
		return false
	}
	ref, named := missingObject(e)
	return !named || ref.In == meshesapi.InPath
}

// notFoundAdvice names the tool argument that holds the unknown id and
// where to find a valid one.
func notFoundAdvice(op meshesapi.Operation, ref meshesapi.ObjectRef) string {
	arg := argumentFor(op, ref.IDRef)
	if list := listToolFor(ref.Kind); list != "" {
		return "check " + arg + ", for example with " + list
	}
	return "check " + arg
}

// argumentFor maps an id an operation sends to the tool argument a model
// filled: the tools name every id <kind>_id, and send_events carries the
// workspace per event.
func argumentFor(op meshesapi.Operation, ref meshesapi.IDRef) string {
	if op.Name == "SendEvents" && ref.Kind == "workspace" {
		return "each event's workspace_id"
	}
	return ref.Kind + "_id"
}

// listToolFor is the tool that lists objects of a kind.
func listToolFor(kind string) string {
	return map[string]string{
		"workspace": "list_workspaces", "connection": "list_connections", "rule": "list_rules",
		"event": "list_events", "session": "list_sessions", "mapping": "get_connection_mapping",
	}[kind]
}

// networkErrorText is a request that got no complete answer, with what is
// known about whether it took effect.
func networkErrorText(e *meshesapi.NetworkError) string {
	var b strings.Builder
	b.WriteString(e.Summary())
	switch {
	case e.OutcomeUnknown() && e.Status >= 200 && e.Status < 300:
		b.WriteString(": Meshes accepted the request but its result could not be read, so do not resend it; " + verifyHint(e.Op))
	case e.OutcomeUnknown():
		b.WriteString(": the effect is unknown, Meshes may or may not have applied it; " + verifyHint(e.Op))
	case e.Canceled:
		b.WriteString(": nothing was retried")
	case !e.Sent:
		b.WriteString(": the request never reached Meshes, so it is safe to send again; check " + urlVariable(e.Ingest) + " and the network")
	default:
		b.WriteString(": the request is safe to repeat")
	}
	return b.String()
}

// responseErrorText is a 2xx answer whose body could not be used.
func responseErrorText(e *meshesapi.ResponseError) string {
	msg := e.Error()
	switch {
	case e.NotJSON:
		msg += "; check that " + urlVariable(e.Ingest) + " points at the Meshes API"
	case e.Err == nil && e.Method == http.MethodGet:
		msg += "; ask for less, e.g. a smaller limit"
	}
	switch e.Method {
	case http.MethodPost:
		return msg + "; the request took effect but its result is unknown, so do not resend it; " + verifyHint(e.Op)
	case http.MethodGet:
		return msg + "; reading has no effect, so it is safe to call again, and if it keeps failing check that " + meshesapi.EnvAPIURL + " points at the Meshes API"
	}
	return msg + "; the change was applied but its result could not be read: read the object again to see its state"
}

// verifyHints say, per operation, how to find out whether a POST with an
// unknown outcome took effect before sending it again and risking a
// duplicate. Creates without an entry get createHint.
var verifyHints = map[string]string{
	"SendEvent":       "list the workspace's recent events to see which arrived before sending again",
	"SendEvents":      "list the workspace's recent events to see which arrived before sending again",
	"RetryDelivery":   "get the event and check this delivery's status and attempt_count before retrying again",
	"CancelDelivery":  "get the delivery and check whether it is canceled before canceling again",
	"CancelEvent":     "get the event and check whether its deliveries are canceled before canceling again",
	"RefreshSession":  "list the workspace's sessions to check this session before refreshing again",
	"CreateWorkspace": "list workspaces to see whether it was created before creating it again",
}

func verifyHint(op meshesapi.Operation) string {
	if h, ok := verifyHints[op.Name]; ok {
		return h
	}
	if op.Creates() {
		return "list the workspace's " + op.Kind + "s to see whether it was created before creating it again"
	}
	return "read the current state before repeating the request"
}

// shrinkHint says how to make a request small enough to be accepted.
func shrinkHint(op meshesapi.Operation) string {
	const reference = "put large blobs in your own storage and send a reference"
	switch op.Name {
	case "SendEvent":
		return "send a smaller payload (" + reference + ")"
	case "SendEvents":
		return "send smaller payloads (" + reference + ") or fewer events at once"
	}
	return "send less in one request, for example a smaller mapping or less metadata"
}

// urlVariable names the setting that chose the base URL a request went to.
func urlVariable(ingest bool) string {
	if ingest {
		return meshesapi.EnvEventsURL
	}
	return meshesapi.EnvAPIURL
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

// pathObjects are the objects a request addressed in its path.
func pathObjects(objs []meshesapi.ObjectRef) []meshesapi.ObjectRef {
	var out []meshesapi.ObjectRef
	for _, o := range objs {
		if o.In == meshesapi.InPath {
			out = append(out, o)
		}
	}
	return out
}

// sentence makes err's text start like a sentence and end with a full stop.
func sentence(err error) string {
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return "the call failed without a reason."
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// argumentsNotJSONText refuses arguments that mcp-go decoded but that could
// not be encoded as JSON again.
const argumentsNotJSONText = "arguments could not be read as JSON."

// reservedMetaKeyText refuses a call whose params._meta names the key this
// server uses to pass lifted arguments (argstash.MetaKey) with a token it
// did not issue.
func reservedMetaKeyText(key string) string {
	return fmt.Sprintf("invalid call: params._meta[%q] is reserved for this server's own use; send the call without it.", key)
}
