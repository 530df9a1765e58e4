package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Decode errors from encoding/json speak Go ("cannot unmarshal string into
// Go struct field MappingField.fields.source of type
// meshesapi.MappingSource") and point at the wrong place inside arrays. A
// model needs the argument's path and the shape it should have, so input
// that does not fit its Go type is walked here instead, against that type,
// and each mismatch is described in JSON terms.

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	numberType     = reflect.TypeFor[json.Number]()
)

// shapeProblems walks v (decoded with UseNumber) against t and describes
// each place where it does not fit, as "path must be SHAPE, not KIND". At
// most limit problems are reported.
func shapeProblems(path string, v any, t reflect.Type, limit int) []string {
	var probs []string
	walkShape(path, v, t, &probs, limit)
	return probs
}

func walkShape(path string, v any, t reflect.Type, probs *[]string, limit int) {
	if len(*probs) >= limit {
		return
	}
	for t.Kind() == reflect.Pointer {
		if v == nil {
			return
		}
		t = t.Elem()
	}
	mismatch := func() {
		*probs = append(*probs, fmt.Sprintf("%s must be %s, not %s", nameOf(path), shapeOf(t, true), jsonKind(v)))
	}
	switch {
	case t == rawMessageType || t.Kind() == reflect.Interface:
		return // any JSON value
	case t == numberType:
		if _, ok := v.(json.Number); !ok {
			mismatch()
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			mismatch()
			if s, isString := v.(string); isString && hasJSONField(t, "type") {
				(*probs)[len(*probs)-1] += fmt.Sprintf(` (for example {"type": %q})`, s)
			}
			return
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, known := fields[k]
			if !known {
				*probs = append(*probs, fmt.Sprintf("%s is not a field of %s", joinPath(path, k), shapeOf(t, true)))
				continue
			}
			walkShape(joinPath(path, k), obj[k], f.Type, probs, limit)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			if v != nil {
				mismatch()
			}
			return
		}
		for i, item := range arr {
			walkShape(path+"["+strconv.Itoa(i)+"]", item, t.Elem(), probs, limit)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				mismatch()
			}
			return
		}
		for k, item := range obj {
			walkShape(joinPath(path, k), item, t.Elem(), probs, limit)
		}
	case reflect.String:
		if _, ok := v.(string); !ok && v != nil {
			mismatch()
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok && v != nil {
			mismatch()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); v != nil && (!ok || err != nil) {
			mismatch()
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok && v != nil {
			mismatch()
		}
	}
}

// joinPath appends a key to a JSON path; the empty path is the arguments
// object itself.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// shapeOf describes the JSON a Go type accepts; top lists an object's keys.
func shapeOf(t reflect.Type, top bool) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawMessageType || t.Kind() == reflect.Interface:
		return "any JSON value"
	case t == numberType:
		return "a number"
	}
	switch t.Kind() {
	case reflect.Struct:
		if !top {
			return "an object"
		}
		names := make([]string, 0)
		for name := range jsonFields(t) {
			names = append(names, name)
		}
		slices.Sort(names)
		return "an object {" + strings.Join(names, ", ") + "}"
	case reflect.Slice, reflect.Array:
		return "an array of " + plural(shapeOf(t.Elem(), false))
	case reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a whole number"
	}
}

// plural turns "an object" into "objects" and "a string" into "strings".
func plural(shape string) string {
	for _, article := range []string{"an ", "a "} {
		if rest, ok := strings.CutPrefix(shape, article); ok {
			if rest == "whole number" || rest == "number" || rest == "string" || rest == "object" {
				return rest + "s"
			}
			return rest
		}
	}
	return shape
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// jsonFields maps the JSON names of a struct's fields to the fields,
// following embedded structs as encoding/json does; each field's Index is
// its path from t, for reflect.Value.FieldByIndex.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, inner := range jsonFields(ft) {
					inner.Index = append([]int{i}, inner.Index...)
					out[k] = inner
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func hasJSONField(t reflect.Type, name string) bool {
	_, ok := jsonFields(t)[name]
	return ok
}

// decodeProblem explains why raw did not decode into a value of type t:
// the shape mismatches found by walking it, else the JSON syntax error,
// never encoding/json's Go wording.
func decodeProblem(root string, raw []byte, t reflect.Type, err error) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		if probs := shapeProblems(root, v, t, 5); len(probs) > 0 {
			return strings.Join(probs, "; ")
		}
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("%s is not valid JSON (at byte %d)", nameOf(root), syntax.Offset)
	}
	return nameOf(root) + " must be " + shapeOf(t, true)
}

// nameOf is how a path reads in a message: the root is "the arguments".
func nameOf(path string) string {
	if path == "" {
		return "the arguments"
	}
	return path
}
