package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// maxBodyBytes bounds request bodies; a full bulk request (100 events) fits
// comfortably.
const maxBodyBytes = 4 << 20

var uuidRe = lazyregexp.New(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func isUUID(s string) bool { return uuidRe.MatchString(s) }

// readBody returns the raw body, or nil when it is empty or whitespace.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", maxBodyBytes)
		}
		return nil, errorf(http.StatusBadRequest, "could not read request body")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	return raw, nil
}

// decodeJSON decodes exactly one JSON value into dst. Numbers inside
// free-form objects stay json.Number so payloads round-trip unchanged.
// Unknown object keys are tolerated (see package doc).
func decodeJSON(raw []byte, dst any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return (&problems{{Param: "body", Msg: "malformed JSON: unexpected data after the JSON value"}}).err(http.StatusBadRequest)
	}
	return nil
}

// decodeBody reads and decodes a required JSON body.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) *apiError {
	raw, aerr := readBody(w, r)
	if aerr != nil {
		return aerr
	}
	if raw == nil {
		return (&problems{{Param: "body", Msg: "a JSON request body is required"}}).err(http.StatusBadRequest)
	}
	return decodeJSON(raw, dst)
}

func jsonError(err error) *apiError {
	var p problems
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		param := typeErr.Field
		if param == "" {
			param = "body"
		}
		p.add(param, "must be %s", jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		p.add("body", "malformed JSON: %s", err.Error())
	default:
		p.add("body", "malformed JSON")
	}
	return p.err(http.StatusBadRequest)
}

// jsonKind names a Go kind in JSON vocabulary for error messages.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice", kind == "array":
		return "an array"
	default:
		return "an object"
	}
}

// pathUUID reads a UUID path parameter. Malformed values are a 400 naming
// the parameter rather than a 404: the caller made a typo, not a lookup of
// something that was deleted.
func pathUUID(r *http.Request, name string) (string, *apiError) {
	v := r.PathValue(name)
	if !isUUID(v) {
		return "", (&problems{{Param: name, Msg: "must be a UUID"}}).err(http.StatusBadRequest)
	}
	return strings.ToLower(v), nil
}

// created answers a create endpoint: decode the required body, store it
// with add, and reply 201 {key: record}.
func created[In, Out any](w http.ResponseWriter, r *http.Request, key string, add func(In) (Out, *apiError)) (int, any, *apiError) {
	var in In
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	rec, aerr := add(in)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusCreated, map[string]any{key: rec}, nil
}

// withPath resolves the UUID path parameter param to a record of the
// caller's organisation with lookup (one of the store's …In methods) and
// runs fn with it, all under the store lock, so that fn's checks and writes
// see the record as it was found.
func withPath[T any](s *Server, r *http.Request, c caller, param string,
	lookup func(org, id string) (*T, *apiError), fn func(*T) (int, any, *apiError)) (int, any, *apiError) {
	id, aerr := pathUUID(r, param)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, aerr := lookup(c.orgID, id)
	if aerr != nil {
		return 0, nil, aerr
	}
	return fn(rec)
}

// optional distinguishes an absent JSON key from an explicit null, which
// PUT /workspaces needs for description (absent keeps, null clears).
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}
