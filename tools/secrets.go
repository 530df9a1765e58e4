package tools

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// A destination that rejects a delivery often quotes what it was sent
// ("invalid api key <key>"), and that text reaches results as last_error.
// Patterns cannot recognise every credential (a passphrase of plain words
// has no shape), but this process knows the ones it has handled: the
// values it redacted from connection metadata on reads and the values a
// caller wrote with create_connection or update_connection. They are kept,
// per connection, in a bounded process-local set that is never logged and
// never leaves the process, and every occurrence in free text, in error
// text and in results is hidden.

// Bounds of the memory: connections kept (least recently handled evicted
// first) and values per connection (metadata has a handful of secrets).
const (
	maxSecretConnections = 256
	maxSecretsPerConn    = 16
	// minSecretLen: shorter values would match ordinary words and ids in
	// results; the patterns of redactText still cover short ones written
	// as key=value.
	minSecretLen = 8
)

// handledSecrets is the process's memory; tools in one process share it,
// since a credential from any connection is a leak wherever it appears.
var handledSecrets = newSecretMemory(maxSecretConnections, maxSecretsPerConn)

// rememberSecrets records the credential values of a connection's metadata
// (as redactMetadata sees them) under its id.
func rememberSecrets(connectionID string, metadata map[string]any) {
	if len(metadata) == 0 {
		return
	}
	handledSecrets.remember(connectionID, secretsIn(metadata))
}

type secretMemory struct {
	maxConns, perConn int

	mu     sync.RWMutex
	byConn map[string][]string
	order  []string // connection ids, least recently handled first
	// replacer hides every value (and its JSON-escaped form, to find it
	// in encoded results); nil while nothing is known.
	replacer *strings.Replacer
}

func newSecretMemory(maxConns, perConn int) *secretMemory {
	return &secretMemory{maxConns: maxConns, perConn: perConn, byConn: map[string][]string{}}
}

func (m *secretMemory) remember(conn string, values []string) {
	var keep []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) >= minSecretLen && v != schemas.Redacted && v != "redacted" && !slices.Contains(keep, v) {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.byConn[conn]
	merged := append(slices.Clone(old), keep...)
	slices.Reverse(merged)
	merged = dedupe(merged)
	merged = merged[:min(len(merged), m.perConn)] // newest first
	if i := slices.Index(m.order, conn); i >= 0 {
		m.order = slices.Delete(m.order, i, i+1)
	}
	m.order = append(m.order, conn)
	m.byConn[conn] = merged
	for len(m.order) > m.maxConns {
		delete(m.byConn, m.order[0])
		m.order = m.order[1:]
	}
	if slices.Equal(old, merged) {
		return
	}
	var forms []string
	seen := map[string]bool{}
	for _, vals := range m.byConn {
		for _, v := range vals {
			for _, form := range []string{v, jsonEscaped(v)} {
				if !seen[form] {
					seen[form] = true
					forms = append(forms, form)
				}
			}
		}
	}
	// Longest first: a Replacer prefers earlier patterns at a position, and
	// a secret that begins with another must be hidden whole.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, schemas.Redacted)
	}
	m.replacer = strings.NewReplacer(pairs...)
}

// dedupe keeps the first occurrence of each value, in order.
func dedupe(vals []string) []string {
	seen := map[string]bool{}
	out := vals[:0]
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func jsonEscaped(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// scrub hides every known value in s.
func (m *secretMemory) scrub(s string) string {
	m.mu.RLock()
	r := m.replacer
	m.mu.RUnlock()
	if r == nil || s == "" {
		return s
	}
	return r.Replace(s)
}

// scrubJSON hides every known value inside the strings of an encoded JSON
// result. Replacing inside the encoding could split an escape sequence, so
// a result that holds one is decoded, cleaned string by string and encoded
// again; the common result that holds none is returned as it is.
func (m *secretMemory) scrubJSON(b []byte) []byte {
	m.mu.RLock()
	r := m.replacer
	m.mu.RUnlock()
	if r == nil {
		return b
	}
	if s := string(b); r.Replace(s) == s {
		return b
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return []byte(m.scrub(string(b)))
	}
	out, err := json.Marshal(m.scrubValue(v))
	if err != nil {
		return []byte(m.scrub(string(b)))
	}
	return out
}

func (m *secretMemory) scrubValue(v any) any {
	switch x := v.(type) {
	case string:
		return m.scrub(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[m.scrub(k)] = m.scrubValue(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = m.scrubValue(val)
		}
		return out
	}
	return v
}
