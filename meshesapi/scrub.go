package meshesapi

import (
	"bytes"
	"strings"
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
}

func newScrubber(secret string, tokens func() []string) *scrubber {
	return &scrubber{secret: secret, tokens: tokens}
}

// known lists the exact values to hide: the secret key, and each recent
// token whole and by its payload and signature.
func (s *scrubber) known() []string {
	var out []string
	if s.secret != "" {
		out = append(out, s.secret)
	}
	for _, tok := range s.tokens() {
		out = append(out, tok)
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= minTokenPart {
				out = append(out, part)
			}
		}
	}
	return out
}

// clean redacts the client's credentials and anything token-shaped, and
// flattens the text to one line.
func (s *scrubber) clean(text string) string {
	for _, v := range s.known() {
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
	for _, v := range s.known() {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(redacted))
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
