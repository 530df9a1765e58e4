// Package rawjson reads JSON that json.Valid has already accepted without
// decoding it: the members of an object and the items of an array come back
// as sub-slices of the input. The argument decoder walks tool arguments
// this way, and event payloads are checked this way, so that the free-form
// parts of a call (an event's payload) are passed on, never decoded into
// maps and encoded again.
package rawjson

import (
	"bytes"
	"encoding/json"
	"iter"
	"unicode/utf8"
)

// Members yields each key (still quoted) and value of the object raw; for
// anything but an object it yields nothing.
func Members(raw []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		b := skipSpace(raw)
		if len(b) == 0 || b[0] != '{' {
			return
		}
		b = skipSpace(b[1:])
		for len(b) > 0 && b[0] != '}' {
			n := stringEnd(b)
			key := b[:n]
			b = skipSpace(b[n:])
			b = skipSpace(b[1:]) // past ':'
			n = valueEnd(b)
			if !yield(key, b[:n]) {
				return
			}
			b = skipSpace(b[n:])
			if len(b) > 0 && b[0] == ',' {
				b = skipSpace(b[1:])
			}
		}
	}
}

// Member returns the value of the object obj's member name (the first,
// should the name repeat), nil when there is none.
func Member(obj []byte, name string) []byte {
	for k, v := range Members(obj) {
		if Unquote(k) == name {
			return v
		}
	}
	return nil
}

// Elements yields each item of the array raw; for anything but an array it
// yields nothing.
func Elements(raw []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		b := skipSpace(raw)
		if len(b) == 0 || b[0] != '[' {
			return
		}
		b = skipSpace(b[1:])
		for len(b) > 0 && b[0] != ']' {
			n := valueEnd(b)
			if !yield(b[:n]) {
				return
			}
			b = skipSpace(b[n:])
			if len(b) > 0 && b[0] == ',' {
				b = skipSpace(b[1:])
			}
		}
	}
}

// Offset is where value, a sub-slice of raw that Members or Elements
// yielded (at any depth of raw), starts in raw. Both share raw's memory, so
// a value can be edited in place of re-reading raw to find it again.
func Offset(raw, value []byte) int {
	return cap(raw) - cap(value)
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// valueEnd is the length of the JSON value at the start of b.
func valueEnd(b []byte) int {
	switch b[0] {
	case '"':
		return stringEnd(b)
	case '{', '[':
		depth := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '"':
				i += stringEnd(b[i:]) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i, c := range b { // a number, true, false or null: up to a delimiter
		switch c {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
			return i
		}
	}
	return len(b)
}

// stringEnd is the length of the JSON string at the start of b, quotes
// included.
func stringEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// Unquote returns the text of the JSON string raw, and "" for any other
// value (a number, say, where a message should have a string), or none.
func Unquote(raw []byte) string {
	if inner, ok := PlainText(raw); ok {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// PlainText returns the inside of the JSON string raw when it is the text
// itself: no escapes, valid UTF-8 (which decoding would otherwise replace).
// It reports false for anything but a JSON string.
func PlainText(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	inner := raw[1 : len(raw)-1]
	return inner, bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)
}
