package tools

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// An event payload can be larger than one result may be. Rather than drop
// it whole, get_event then shows its outline (payloadOutline: each key or
// element with its JSON type and size) and the model reads the part it
// needs with payload_path, a path such as "items[3].sku" into the payload.

// payloadStep matches one step of a payload path: a key (anything but '.' and
// '['), or an array index.
var payloadStep = lazyregexp.New(`^(?:([^.\[\]]+)|\[(\d+)\])`)

// payloadPart returns the value at path inside payload, or a FieldError
// naming payload_path, the step that failed and what is there instead.
func payloadPart(payload map[string]any, path string) (any, error) {
	var cur any = payload
	walked := ""
	for rest := path; rest != ""; {
		rest = strings.TrimPrefix(rest, ".")
		m := payloadStep.FindStringSubmatch(rest)
		if m == nil {
			return nil, &schemas.FieldError{Field: "payload_path", Rule: fmt.Sprintf(
				"cannot be read at %q: write keys separated by dots and array indexes in brackets, e.g. items[3].sku", rest)}
		}
		rest = rest[len(m[0]):]
		if m[2] != "" {
			arr, ok := cur.([]any)
			i, _ := strconv.Atoi(m[2])
			if !ok {
				return nil, pathMiss(walked, cur, "["+m[2]+"]")
			}
			if i >= len(arr) {
				return nil, &schemas.FieldError{Field: "payload_path", Rule: fmt.Sprintf(
					"names %s[%d] but %s has %d elements", orPayload(walked), i, orPayload(walked), len(arr))}
			}
			cur, walked = arr[i], walked+"["+m[2]+"]"
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, pathMiss(walked, cur, m[1])
		}
		v, ok := obj[m[1]]
		if !ok {
			keys := slices.Sorted(maps.Keys(obj))
			if len(keys) > 20 {
				keys = append(keys[:20], "…")
			}
			return nil, &schemas.FieldError{Field: "payload_path", Rule: fmt.Sprintf(
				"names key %q, which %s does not have; its keys: %s", m[1], orPayload(walked), strings.Join(keys, ", "))}
		}
		cur, walked = v, joinPath(walked, m[1])
	}
	return cur, nil
}

func pathMiss(walked string, v any, step string) error {
	return &schemas.FieldError{Field: "payload_path", Rule: fmt.Sprintf(
		"cannot take %s of %s, which is %s", step, orPayload(walked), jsonKind(v))}
}

func orPayload(path string) string {
	if path == "" {
		return "the payload"
	}
	return path
}

// maxOutlineEntries bounds an outline, so that a payload with thousands of
// keys or elements still has an outline that fits.
const maxOutlineEntries = 50

// payloadOutline describes a value one level deep: each key of an object
// (or each element of an array, as "[i]") with its JSON type and encoded
// size, e.g. "array of 120, 48213 bytes". more counts the entries left out.
// A string, number or other scalar has no outline.
func payloadOutline(v any) (outline map[string]string, more int) {
	outline = map[string]string{}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if len(outline) == maxOutlineEntries {
				more++
				continue
			}
			outline[k] = describeValue(v[k])
		}
	case []any:
		for i, e := range v {
			if i == maxOutlineEntries {
				more = len(v) - i
				break
			}
			outline["["+strconv.Itoa(i)+"]"] = describeValue(e)
		}
	}
	return outline, more
}

// describeValue is one outline entry: the JSON type, the count of keys or
// elements, and the encoded size.
func describeValue(v any) string {
	b, _ := json.Marshal(v)
	kind := strings.TrimPrefix(strings.TrimPrefix(jsonKind(v), "an "), "a ")
	switch v := v.(type) {
	case map[string]any:
		kind = fmt.Sprintf("object of %d keys", len(v))
	case []any:
		kind = fmt.Sprintf("array of %d", len(v))
	}
	return fmt.Sprintf("%s, %d bytes", kind, len(b))
}
