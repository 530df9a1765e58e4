package sandbox

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Connection metadata is free-form on the wire; this file gives it meaning:
// integration-specific validation (422), the sandbox's own switches, and
// redaction of secrets on reads.

// Sandbox-only metadata switches, documented for users of the sandbox:
//
//	"sandbox_inactive_reason": one of inactiveReasons — the connection reads
//	    back active=false with that inactive_reason, and its deliveries fail
//	    the way a provider rejects revoked credentials.
//	"sandbox_fail": one of failKinds — deliveries through an otherwise
//	    healthy connection fail with a provider-realistic error (providers.go).
const (
	metaInactiveReason = "sandbox_inactive_reason"
	metaFail           = "sandbox_fail"
)

var (
	inactiveReasons = []string{"authentication_invalid", "oauth_authorization_revoked", "oauth_reauthorization_required", "manually_inactivated"}
	failKinds       = []string{"auth", "rate_limit", "server_error", "not_found", "validation"}
	headerNameRe    = lazyregexp.New(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)
)

// maxCustomHeaders is the webhook page's limit on static headers (docs/meshes-api.md §15).
const maxCustomHeaders = 5

// checkConnectionMetadata validates metadata against the integration's
// authentication fields and, for webhooks, the delivery settings. These are
// "integration-specific validation" failures, hence 422 (docs/meshes-api.md §7.1).
func checkConnectionMetadata(integ integration, md map[string]any) *apiError {
	var p problems
	checkEnum(&p, md, metaInactiveReason, inactiveReasons)
	checkEnum(&p, md, metaFail, failKinds)
	if integ.Type == "webhook" {
		checkWebhookMetadata(&p, md)
		return p.err(http.StatusUnprocessableEntity)
	}
	// OAuth connections are created as if the dashboard OAuth flow had
	// completed (docs/meshes-api.md §7.1 notes): the sandbox has no provider to authorise with.
	for _, f := range integ.Authentication.Fields {
		v, ok := stringValue(md, f.Key)
		switch {
		case !ok && f.Required:
			p.add("metadata."+f.Key, "is required for %s connections", integ.Name)
		case ok && len(f.Options) > 0 && !slices.ContainsFunc(f.Options, func(o option) bool { return o.Value == v }):
			p.add("metadata."+f.Key, "must be one of %s", optionValues(f.Options))
		case ok && f.Validate == "url" && !isHTTPURL(v):
			p.add("metadata."+f.Key, "must be an http(s) URL")
		}
	}
	return p.err(http.StatusUnprocessableEntity)
}

func checkEnum(p *problems, md map[string]any, key string, allowed []string) {
	v, present := md[key]
	if !present {
		return
	}
	if s, ok := v.(string); !ok || !slices.Contains(allowed, s) {
		p.add("metadata."+key, "must be one of %s", strings.Join(allowed, ", "))
	}
}

func optionValues(opts []option) string {
	vals := make([]string, len(opts))
	for i, o := range opts {
		vals[i] = o.Value
	}
	return strings.Join(vals, ", ")
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// isLoopbackHost accepts localhost and loopback IPs (127.0.0.0/8, ::1),
// the only hosts a webhook may reach over plain http.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// reservedHeader names headers a connection may not set itself: transport
// headers, and the X-Meshes-* headers the sandbox sends.
func reservedHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "content-length", "host", "transfer-encoding", "connection", "authorization", "user-agent":
		return true
	}
	return strings.HasPrefix(strings.ToLower(name), "x-meshes-")
}

// checkWebhookMetadata validates the keys webhook.go delivers with.
func checkWebhookMetadata(p *problems, md map[string]any) {
	raw, ok := stringValue(md, "url")
	if !ok {
		p.add("metadata.url", "is required")
	} else if u, err := url.Parse(raw); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		p.add("metadata.url", "must be an absolute https:// URL")
	} else if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		p.add("metadata.url", "must use https:// (plain http:// is allowed only for localhost, 127.0.0.0/8 and ::1)")
	}
	checkOptionalChoice(p, md, "http_method", []string{"POST", "PUT", "PATCH"}, strings.ToUpper)
	checkOptionalChoice(p, md, "payload_mode", []string{"wrapped", "raw"}, strings.ToLower)
	checkOptionalChoice(p, md, "signing_algorithm", []string{"sha256", "sha512"}, strings.ToLower)
	scheme := checkOptionalChoice(p, md, "auth_scheme", []string{"none", "basic", "bearer", "header"}, strings.ToLower)
	need := map[string][]string{"basic": {"auth_username", "auth_password"}, "bearer": {"auth_token"}, "header": {"auth_header_name", "auth_header_value"}}
	for _, key := range need[scheme] {
		if _, ok := stringValue(md, key); !ok {
			p.add("metadata."+key, "is required when auth_scheme is %s", scheme)
		}
	}
	if name, ok := stringValue(md, "auth_header_name"); ok && scheme == "header" && (!headerNameRe.MatchString(name) || reservedHeader(name)) {
		p.add("metadata.auth_header_name", "must be a valid, non-reserved HTTP header name")
	}
	if v, present := md["signing_secret"]; present {
		if _, ok := v.(string); !ok {
			p.add("metadata.signing_secret", "must be a string")
		}
	}
	if v, present := md["signature_header"]; present {
		if name, ok := v.(string); !ok || !headerNameRe.MatchString(name) {
			p.add("metadata.signature_header", "must be a valid HTTP header name")
		}
	}
	checkCustomHeaders(p, md)
}

// checkOptionalChoice validates an optional string enum (compared after
// norm) and returns the normalised value, or the first allowed value when
// absent (the default).
func checkOptionalChoice(p *problems, md map[string]any, key string, allowed []string, norm func(string) string) string {
	v, present := md[key]
	if !present || v == nil || v == "" {
		return allowed[0]
	}
	s, ok := v.(string)
	if !ok || !slices.Contains(allowed, norm(s)) {
		p.add("metadata."+key, "must be one of %s", strings.Join(allowed, ", "))
		return allowed[0]
	}
	return norm(s)
}

// checkCustomHeaders validates metadata "headers": up to five static
// headers, as the webhook page allows (docs/meshes-api.md §15).
func checkCustomHeaders(p *problems, md map[string]any) {
	v, present := md["headers"]
	if !present || v == nil {
		return
	}
	hdrs, ok := v.(map[string]any)
	if !ok {
		p.add("metadata.headers", "must be an object of header name to string value")
		return
	}
	if len(hdrs) > maxCustomHeaders {
		p.add("metadata.headers", "may hold at most %d headers", maxCustomHeaders)
	}
	for name, val := range hdrs {
		if _, isString := val.(string); !isString || !headerNameRe.MatchString(name) || reservedHeader(name) {
			p.add("metadata.headers."+name, "must be a non-reserved header name with a string value")
		}
	}
}

// redacted replaces secrets on reads: Meshes never returns saved secrets in
// plaintext (docs/meshes-api.md §7.1).
const redacted = "********"

// isSecretKey matches metadata keys that hold credentials: anything naming
// a password, secret, token or API key (api_key, apiKey, cdpApiKey, ...)
// plus the custom auth header's value.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"password", "secret", "token", "apikey", "api_key", "api-key", "auth_header_value", "private_key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactMetadata returns a copy of md with secret values masked, recursing
// into nested objects (e.g. custom headers).
func redactMetadata(md map[string]any) map[string]any {
	out := make(map[string]any, len(md))
	for k, v := range md {
		switch x := v.(type) {
		case map[string]any:
			out[k] = redactMetadata(x)
		default:
			if isSecretKey(k) && !isEmpty(v) {
				out[k] = redacted
			} else {
				out[k] = v
			}
		}
	}
	return out
}

// restoreSecrets lets a client send back what it read: a masked value in an
// update keeps the stored secret instead of saving "********".
func restoreSecrets(next, prev map[string]any) {
	for k, v := range next {
		switch x := v.(type) {
		case string:
			if x == redacted {
				if old, ok := prev[k]; ok {
					next[k] = old
				}
			}
		case map[string]any:
			if old, ok := prev[k].(map[string]any); ok {
				restoreSecrets(x, old)
			}
		}
	}
}

// connectionState derives active/inactive_reason from the sandbox switch.
func connectionState(md map[string]any) (bool, string) {
	if reason, ok := md[metaInactiveReason].(string); ok && reason != "" {
		return false, reason
	}
	return true, ""
}
