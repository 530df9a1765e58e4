package tools

import (
	"bytes"
	"encoding/json"
	"iter"
	"unicode/utf8"
)

// Zero-copy reading of JSON that json.Valid has already accepted: the
// members of an object and the items of an array come back as sub-slices of
// the input. The argument decoder walks arguments this way so that the
// free-form parts (an event's payload) are never decoded, only passed on.

// members yields each key (still quoted) and value of the object raw.
func members(raw []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		b := skipSpace(raw[1:]) // past '{'
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

// elements yields each item of the array raw.
func elements(raw []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		b := skipSpace(raw[1:]) // past '['
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

// unquote returns the text of the JSON string raw.
func unquote(raw []byte) string {
	if inner, ok := plainText(raw); ok {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// plainText returns the inside of the JSON string raw when it is the text
// itself: no escapes, valid UTF-8 (which decoding would otherwise replace).
func plainText(raw []byte) ([]byte, bool) {
	inner := raw[1 : len(raw)-1]
	return inner, bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)
}
