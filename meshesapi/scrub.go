package meshesapi

import (
	"bytes"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// jwtLike matches compact JWS tokens (machine JWTs, embed session tokens):
// base64url JSON headers always start with "eyJ".
var jwtLike = lazyregexp.New(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

const redacted = "[redacted]"

// minTokenPart is the shortest part of a signed token scrubbed on its own:
// a JWT's payload and signature are each far longer, and shorter strings
// would match ordinary words.
const minTokenPart = 16

// scrubber removes this client's own credentials from whatever an upstream
// sends back: a server, or a broken proxy in front of it, may echo the
// request's Authorization header in a status line, a header, an error body
// or even a 2xx body. It knows the secret key and the tokens recently
// signed with it, so it also catches a token cut apart (only its signature
// quoted), which no pattern would recognise.
type scrubber struct {
	secret string
	tokens func() []string
	// values caches known's answer for the token list it was derived
	// from: tokens are signed once per lifetime, while every response is
	// scrubbed.
	values atomic.Pointer[knownValues]
}

// knownValues are the values to hide, as text and as bytes, derived from
// one token list.
type knownValues struct {
	tokens []string
	text   []string
	bytes  [][]byte
}

func newScrubber(secret string, tokens func() []string) *scrubber {
	return &scrubber{secret: secret, tokens: tokens}
}

// known lists the exact values to hide: the secret key, and each recent
// token whole and by its payload and signature. The list is derived again
// only when the tokens have changed.
func (s *scrubber) known() *knownValues {
	toks := s.tokens()
	if k := s.values.Load(); k != nil && sameStrings(k.tokens, toks) {
		return k
	}
	k := &knownValues{tokens: toks}
	if s.secret != "" {
		k.text = append(k.text, s.secret)
	}
	for _, tok := range toks {
		k.text = append(k.text, tok)
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= minTokenPart {
				k.text = append(k.text, part)
			}
		}
	}
	for _, v := range k.text {
		k.bytes = append(k.bytes, []byte(v))
	}
	s.values.Store(k)
	return k
}

// sameStrings reports whether a and b are the same slice: the token source
// publishes a new one whenever it signs.
func sameStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// clean redacts the client's credentials and anything token-shaped, and
// flattens the text to one line.
func (s *scrubber) clean(text string) string {
	for _, v := range s.known().text {
		text = strings.ReplaceAll(text, v, redacted)
	}
	text = jwtLike.ReplaceAllString(text, redacted)
	return strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// body redacts the same values inside a 2xx body before it is decoded.
// The replacement holds no JSON syntax, so valid JSON stays valid; none of
// the values has a character JSON escapes (base64url and the secret key's
// alphabet), so each appears in the body as it was sent.
func (s *scrubber) body(b []byte) []byte {
	for _, v := range s.known().bytes {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(redacted))
		}
	}
	if bytes.Contains(b, []byte("eyJ")) {
		b = jwtLike.ReplaceAll(b, []byte(redacted))
	}
	return b
}

// truncate cleans text and cuts it to at most n runes.
func (s *scrubber) truncate(text string, n int) string {
	text = s.clean(text)
	if r := []rune(text); len(r) > n {
		return string(r[:n]) + "…"
	}
	return text
}
