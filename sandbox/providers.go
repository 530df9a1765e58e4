package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Every integration except webhooks is simulated: a delivery succeeds
// unless the connection is inactive, the connection's "sandbox_fail"
// switch asks for a failure, the rule points at a live item the account
// does not have, or the integration needs an email the payload lacks. The
// failure texts imitate what each provider answers, so that an agent can
// practise diagnosing them from last_error alone.

// providerError is one canned provider answer.
type providerError struct {
	status  int
	message string // last_error
	body    string // response-details body
}

// providerErrors holds realistic texts for the providers users meet most;
// the rest get genericError.
var providerErrors = sync.OnceValue(func() map[string]map[string]providerError {
	return map[string]map[string]providerError{
		"hubspot": {
			"auth":         {401, "HubSpot rejected the request: 401 authentication_invalid — reconnect the HubSpot account", `{"status":"error","message":"Authentication credentials not found. This API supports OAuth 2.0 authentication.","category":"INVALID_AUTHENTICATION"}`},
			"rate_limit":   {429, "HubSpot rejected the request: 429 RATE_LIMIT — You have reached your secondly limit.", `{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}`},
			"server_error": {502, "HubSpot responded 502 Bad Gateway — temporary upstream error, will retry", `{"status":"error","message":"Bad Gateway","category":"INTERNAL_ERROR"}`},
			"not_found":    {404, "HubSpot rejected the request: 404 OBJECT_NOT_FOUND — the list or property referenced by the rule does not exist", `{"status":"error","message":"resource not found","category":"OBJECT_NOT_FOUND"}`},
			"validation":   {400, "HubSpot rejected the request: 400 VALIDATION_ERROR — Property values were not valid: email: INVALID_EMAIL", `{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR","errors":[{"message":"Email address is invalid","code":"INVALID_EMAIL","context":{"propertyName":["email"]}}]}`},
		},
		"salesforce": {
			"auth":         {401, "Salesforce rejected the request: 401 INVALID_SESSION_ID — Session expired or invalid; reconnect the Salesforce org", `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`},
			"rate_limit":   {403, "Salesforce rejected the request: 403 REQUEST_LIMIT_EXCEEDED — TotalRequests Limit exceeded.", `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`},
			"server_error": {503, "Salesforce responded 503 Service Unavailable — SERVER_UNAVAILABLE, will retry", `[{"message":"Server is temporarily unavailable","errorCode":"SERVER_UNAVAILABLE"}]`},
			"not_found":    {404, "Salesforce rejected the request: 404 NOT_FOUND — The requested resource does not exist", `[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]`},
			"validation":   {400, "Salesforce rejected the request: 400 REQUIRED_FIELD_MISSING — Required fields are missing: [LastName]", `[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]`},
		},
		"slack": {
			"auth":         {200, "Slack API error: invalid_auth — the Slack token is no longer valid; reconnect the Slack workspace", `{"ok":false,"error":"invalid_auth"}`},
			"rate_limit":   {429, "Slack API error: ratelimited — too many requests (Retry-After: 30)", `{"ok":false,"error":"ratelimited"}`},
			"server_error": {500, "Slack API error: internal_error — Slack had a problem processing the request, will retry", `{"ok":false,"error":"internal_error"}`},
			"not_found":    {200, "Slack API error: channel_not_found — the channel does not exist or the app was removed from it", `{"ok":false,"error":"channel_not_found"}`},
			"validation":   {200, "Slack API error: invalid_blocks — the message template rendered to invalid content", `{"ok":false,"error":"invalid_blocks"}`},
		},
		"mailchimp": {
			"auth":         {401, "Mailchimp rejected the request: 401 API Key Invalid — Your API key may be invalid, or you've attempted to access the wrong datacenter.", `{"type":"https://mailchimp.com/developer/marketing/docs/errors/","title":"API Key Invalid","status":401,"detail":"Your API key may be invalid, or you've attempted to access the wrong datacenter."}`},
			"rate_limit":   {429, "Mailchimp rejected the request: 429 Too Many Requests — You have exceeded the limit of 10 simultaneous connections.", `{"title":"Too Many Requests","status":429,"detail":"You have exceeded the limit of 10 simultaneous connections."}`},
			"server_error": {500, "Mailchimp responded 500 Internal Server Error — An unexpected internal error has occurred, will retry", `{"title":"Internal Server Error","status":500,"detail":"An unexpected internal error has occurred."}`},
			"not_found":    {404, "Mailchimp rejected the request: 404 Resource Not Found — The requested resource could not be found.", `{"title":"Resource Not Found","status":404,"detail":"The requested resource could not be found."}`},
			"validation":   {400, "Mailchimp rejected the request: 400 Invalid Resource — the email address looks fake or invalid, please enter a real email address.", `{"title":"Invalid Resource","status":400,"detail":"The resource submitted could not be validated."}`},
		},
	}
})

func genericError(name, kind string) providerError {
	switch kind {
	case "auth":
		return providerError{401, name + " rejected the request: 401 Unauthorized — the stored credentials are invalid; reconnect the " + name + " account", `{"error":"unauthorized"}`}
	case "rate_limit":
		return providerError{429, name + " rejected the request: 429 Too Many Requests — rate limit exceeded", `{"error":"rate_limited"}`}
	case "server_error":
		return providerError{500, name + " responded 500 Internal Server Error — will retry", `{"error":"internal_error"}`}
	case "not_found":
		return providerError{404, name + " rejected the request: 404 Not Found — the item referenced by the rule does not exist", `{"error":"not_found"}`}
	default:
		return providerError{400, name + " rejected the request: 400 Bad Request — the provider rejected the contact data", `{"error":"validation_failed"}`}
	}
}

// Which failures are worth retrying: throttling and provider outages clear
// up by themselves; bad credentials, missing items and invalid data do not,
// so those fail at once.
var failOutcomes = map[string]struct {
	code      string
	retryable bool
}{
	"auth":         {outcomeAuthFailed, false},
	"rate_limit":   {outcomeRateLimited, true},
	"server_error": {outcomeServerError, true},
	"not_found":    {outcomeClientError, false},
	"validation":   {outcomeClientError, false},
}

func providerName(typ string) string {
	integ, _ := integrationByType(typ) // connections only ever have catalog types
	return integ.Name
}

// providerFailure answers the sandbox_fail switch.
func providerFailure(typ, kind string, d delivery) outcome {
	pe, ok := providerErrors()[typ][kind]
	if !ok {
		pe = genericError(providerName(typ), kind)
	}
	fo := failOutcomes[kind]
	return outcome{retryable: fo.retryable, code: fo.code, message: pe.message, response: cannedResponse(pe.status, pe.body)}
}

// inactiveFailure is what delivering through an inactive connection looks
// like: the provider refuses the stored credentials, which no retry fixes.
func inactiveFailure(conn connection) outcome {
	name := providerName(conn.Type)
	var msg string
	switch conn.InactiveReason {
	case "authentication_invalid":
		msg = fmt.Sprintf("%s rejected the request: 401 authentication_invalid — reconnect the %s account", name, name)
	case "oauth_authorization_revoked":
		msg = fmt.Sprintf("%s rejected the request: 401 oauth_authorization_revoked — access was revoked in %s; reconnect the account", name, name)
	case "oauth_reauthorization_required":
		msg = fmt.Sprintf("%s rejected the request: 401 oauth_reauthorization_required — %s requires the account to be re-authorized", name, name)
	default:
		return outcome{code: outcomeInternalError,
			message: fmt.Sprintf("connection is inactive (%s): deliveries are paused until it is reactivated", conn.InactiveReason)}
	}
	return outcome{code: outcomeAuthFailed, message: msg + " (connection inactive: " + conn.InactiveReason + ")",
		response: cannedResponse(http.StatusUnauthorized, `{"error":"`+conn.InactiveReason+`"}`)}
}

// simulateProvider is a healthy connection's delivery.
func simulateProvider(d delivery) outcome {
	integ, _ := integrationByType(d.conn.Type)
	name := integ.Name
	act := integ.Actions[asString(d.rule.Metadata["action"])]
	for _, in := range act.Data {
		id := asString(d.rule.Metadata[in.Field])
		if in.From == "" || id == "" || liveItemExists(d.conn.Type, in.From, id) {
			continue
		}
		return outcome{code: outcomeClientError,
			message:  fmt.Sprintf("%s rejected the request: 404 %s %q not found (rule metadata.%s); pick one from GET /connections/%s/actions", name, in.Noun, id, in.Field, d.conn.ID),
			response: cannedResponse(http.StatusNotFound, `{"error":"not_found"}`)}
	}
	if needsEmail(d.conn.Type) && isEmpty(d.payload["email"]) {
		return outcome{code: outcomeClientError,
			message:  fmt.Sprintf("%s rejected the request: 400 the contact has no email — include payload.email for person events", name),
			response: cannedResponse(http.StatusBadRequest, `{"error":"missing_email"}`)}
	}
	return outcome{delivered: true, code: outcomeDelivered,
		message:  fmt.Sprintf("%s accepted %s", name, strings.ReplaceAll(asString(d.rule.Metadata["action"]), "_", " ")),
		response: cannedResponse(http.StatusOK, `{"ok":true}`)}
}

// needsEmail reports whether the integration identifies people by email
// (its field catalog has a required email field).
func needsEmail(typ string) bool {
	for _, f := range fieldCatalogs()[typ] {
		if f.Constraints != nil && f.Constraints.Format == "email" && f.Constraints.Required {
			return true
		}
	}
	return false
}

func cannedResponse(status int, body string) *capturedResponse {
	return &capturedResponse{StatusCode: status, StatusText: http.StatusText(status),
		Headers: map[string]string{"content-type": "application/json"}, Body: body}
}
