package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is every non-2xx answer. Handlers return it instead of writing
// the response themselves so that the body shape is decided in one place.
type apiError struct {
	Status  int
	Message string
	Data    []fieldError
}

// fieldError is one entry of error.data: which input was wrong and why.
type fieldError struct {
	Param string `json:"param"`
	Msg   string `json:"msg"`
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// notFound produces the fixture-style message, e.g. "Workspace not found".
func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Message: what + " not found"}
}

// problems collects field-level validation failures so a client learns about
// all of them in one round trip.
type problems []fieldError

func (p *problems) add(param, format string, args ...any) {
	*p = append(*p, fieldError{Param: param, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was collected.
func (p problems) err(status int) *apiError {
	if len(p) == 0 {
		return nil
	}
	return &apiError{Status: status, Message: p.summary(), Data: p}
}

func (p problems) summary() string {
	parts := make([]string, len(p))
	for i, f := range p {
		parts[i] = f.Param + ": " + f.Msg
	}
	return strings.Join(parts, "; ")
}

type errorBody struct {
	Message string      `json:"message"`
	Error   errorDetail `json:"error"`
}

type errorDetail struct {
	Name    string       `json:"name"`
	Message string       `json:"message"`
	Data    []fieldError `json:"data,omitempty"`
}

// body renders the API's error shape (docs/meshes-api.md §4). Validation errors carry
// the status phrase on top, as the Results page shows; other errors carry
// the specific sentence, as the fixtures ("Workspace not found") show.
func (e *apiError) body() errorBody {
	top := e.Message
	if len(e.Data) > 0 {
		top = http.StatusText(e.Status)
	}
	return errorBody{Message: top, Error: errorDetail{Name: statusName(e.Status), Message: e.Message, Data: e.Data}}
}

// statusName turns "Unprocessable Entity" into "UnprocessableEntity".
func statusName(status int) string {
	return strings.NewReplacer(" ", "", "-", "", "'", "").Replace(http.StatusText(status))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="meshes"`)
	}
	writeJSON(w, e.Status, e.body())
}
