package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	list := map[string]string{
		"workspace": "list_workspaces", "connection": "list_connections", "rule": "list_rules",
		"event": "list_events", "session": "list_sessions",
	}[kind]
	return &notFoundError{kind: kind, id: id, list: list}
}

// refusedError is a call the server's policy forbids.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// errorText turns any error a tool returns into the one sentence the model
// reads: what happened and what to do next. meshesapi errors already have
// that shape; the rest are phrased here.
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
	case errors.As(err, &apiErr) && apiErr.Status == 404 && len(pathObjects(apiErr.Objects)) == 1 && !apiErr.MayBeOwnEffect():
		// Same sentence as an object hidden by the workspace allowlist.
		obj := pathObjects(apiErr.Objects)[0]
		return notFound(obj.Kind, obj.ID).Error()
	case meshesapi.IsOutcomeUnknown(err):
		// Checked before cancellation and deadlines: a POST that may already
		// have reached Meshes must never be reported as not sent.
		return sentence(err)
	case errors.Is(err, context.Canceled):
		return "the call was cancelled before it finished; nothing else was sent"
	case errors.Is(err, context.DeadlineExceeded):
		return "the call ran out of time before Meshes answered; " + sentence(err)
	}
	return sentence(err)
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
