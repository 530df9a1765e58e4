package meshesapi

import (
	"regexp"
	"strings"
	"unicode"
)

// jwtLike matches compact JWS tokens (machine JWTs, embed session tokens):
// base64url JSON headers always start with "eyJ".
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

const redacted = "[redacted]"

// scrubber removes credentials from text Meshes sent back before it reaches
// an error: a server (or a proxy in front of it) may echo the request.
type scrubber struct {
	secret string
}

func newScrubber(secret string) *scrubber { return &scrubber{secret: secret} }

// clean redacts the secret key and anything token-shaped, and flattens the
// text to one line.
func (s *scrubber) clean(text string) string {
	if s.secret != "" {
		text = strings.ReplaceAll(text, s.secret, redacted)
	}
	text = jwtLike.ReplaceAllString(text, redacted)
	return strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// truncate cleans text and cuts it to at most n runes.
func (s *scrubber) truncate(text string, n int) string {
	text = s.clean(text)
	if r := []rune(text); len(r) > n {
		return string(r[:n]) + "…"
	}
	return text
}
