package rawjson

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// pair is one member as encoding/json reads it: the key's text and the
// value's compact bytes.
type pair struct{ key, value string }

func compact(t testing.TB, raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("compact %q: %v", raw, err)
	}
	return b.String()
}

// membersByEncodingJSON reads an object's members in document order with
// encoding/json's token stream, the reference Members must agree with.
func membersByEncodingJSON(t testing.TB, raw []byte) []pair {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var out []pair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, pair{tok.(string), compact(t, v)})
	}
	return out
}

func membersByRawJSON(t testing.TB, raw []byte) []pair {
	var out []pair
	for k, v := range Members(raw) {
		out = append(out, pair{Unquote(k), compact(t, v)})
	}
	return out
}

func elementsByRawJSON(t testing.TB, raw []byte) []string {
	var out []string
	for v := range Elements(raw) {
		out = append(out, compact(t, v))
	}
	return out
}

func elementsByEncodingJSON(t testing.TB, raw []byte) []string {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, v := range items {
		out = append(out, compact(t, v))
	}
	return out
}

var samples = []string{
	`{}`, ` { } `, `[]`, `[ ]`,
	`{"a":1,"b":"x","c":null,"d":true,"e":false,"f":-1.5e3}`,
	" {\n\t\"a\" : [ 1 , {\"b\" : [ ] } ] ,\r\n \"c\":{}\n} ",
	`{"q\"uote":"a \"]}\" b","back\\slash":"\\","u":"\u00e9\ud83d\ude00"}`,
	`{"nested":{"deep":[[["x"]],{"y":{"z":"}"}}]},"after":2}`,
	`{"dup":1,"dup":2}`,
	`[1,"two",null,true,{"a":[]},[[]],"]"]`,
	`{"\u0061":"escaped key"}`,
}

func TestMembersAndElementsAgreeWithEncodingJSON(t *testing.T) {
	for _, s := range samples {
		raw := []byte(s)
		switch bytes.TrimSpace(raw)[0] {
		case '{':
			if got, want := membersByRawJSON(t, raw), membersByEncodingJSON(t, raw); !slices.Equal(got, want) {
				t.Errorf("Members(%s) = %q, want %q", s, got, want)
			}
			if n := len(elementsByRawJSON(t, raw)); n != 0 {
				t.Errorf("Elements of an object yielded %d items", n)
			}
		case '[':
			if got, want := elementsByRawJSON(t, raw), elementsByEncodingJSON(t, raw); !slices.Equal(got, want) {
				t.Errorf("Elements(%s) = %q, want %q", s, got, want)
			}
			if n := len(membersByRawJSON(t, raw)); n != 0 {
				t.Errorf("Members of an array yielded %d members", n)
			}
		}
	}
}

func TestStopsWhenTheCallerBreaks(t *testing.T) {
	n := 0
	for range Members([]byte(`{"a":1,"b":2,"c":3}`)) {
		if n++; n == 2 {
			break
		}
	}
	m := 0
	for range Elements([]byte(`[1,2,3]`)) {
		if m++; m == 2 {
			break
		}
	}
	if n != 2 || m != 2 {
		t.Errorf("iterated %d members and %d items after breaking at 2", n, m)
	}
}

func TestUnquoteAndPlainText(t *testing.T) {
	tests := []struct {
		raw, text string
		plain     bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`"a\"b"`, `a"b`, false},
		{`"\u00e9\n"`, "é\n", false},
		{`"é"`, "é", true},
		{"\"\xff\"", "\ufffd", false}, // invalid UTF-8 reads as encoding/json reads it
		// Not strings (a message's "method": 5, or no member at all) read as
		// no text rather than crashing the reader.
		{`5`, "", false},
		{``, "", false},
		{`true`, "", false},
		{`{"a":"b"}`, "", false},
	}
	for _, tt := range tests {
		if got := Unquote([]byte(tt.raw)); got != tt.text {
			t.Errorf("Unquote(%s) = %q, want %q", tt.raw, got, tt.text)
		}
		if _, plain := PlainText([]byte(tt.raw)); plain != tt.plain {
			t.Errorf("PlainText(%s) plain = %v, want %v", tt.raw, plain, tt.plain)
		}
	}
}

// FuzzMembers checks Members and Elements against encoding/json on any
// valid JSON object or array.
func FuzzMembers(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		switch bytes.TrimSpace(raw)[0] {
		case '{':
			if got, want := membersByRawJSON(t, raw), membersByEncodingJSON(t, raw); !slices.Equal(got, want) {
				t.Errorf("Members(%s) = %q, want %q", raw, got, want)
			}
		case '[':
			if got, want := elementsByRawJSON(t, raw), elementsByEncodingJSON(t, raw); !slices.Equal(got, want) {
				t.Errorf("Elements(%s) = %q, want %q", raw, got, want)
			}
		}
	})
}

// Offset finds a value Members or Elements yielded, at any depth, where it
// lies in the outermost input, even in a buffer with room to spare.
func TestOffsetLocatesYieldedValues(t *testing.T) {
	raw := append(make([]byte, 0, 256), ` {"a" : [1, {"b":"x"}], "c":true} `...)
	for k, v := range Members(raw) {
		for item := range Elements(v) {
			for _, inner := range Members(item) {
				if at := Offset(raw, inner); string(raw[at:at+len(inner)]) != `"x"` || Unquote(k) != "a" {
					t.Errorf("Offset of %s under %s = %d", inner, k, at)
				}
			}
		}
		if at := Offset(raw, v); !bytes.Equal(raw[at:at+len(v)], v) || (Unquote(k) == "c" && at != bytes.Index(raw, []byte("true"))) {
			t.Errorf("Offset of %s = %d", v, at)
		}
	}
}
