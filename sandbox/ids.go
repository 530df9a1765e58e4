package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
)

// newUUID returns a random RFC 4122 version 4 UUID in lower case.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomURLSafe returns n random bytes as unpadded base64url text.
func randomURLSafe(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newPublishableKey builds a key in the one format the Node events client
// accepts (docs/meshes-api.md §3.2): mesh_pub_<org prefix>_<workspace prefix>_<random>. The
// random part is base32 so that it never contains the "_" separator.
func newPublishableKey(orgID, workspaceID string) string {
	return "mesh_pub_" + keyPart(orgID) + "_" + keyPart(workspaceID) + "_" + rand.Text()
}

// keyPart is up to 8 alphanumerics of id (never empty), so that any
// configured organisation id yields a well-formed key.
func keyPart(id string) string {
	part := strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, id)
	if part == "" {
		return "0"
	}
	return part[:min(8, len(part))]
}
