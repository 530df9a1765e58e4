package meshesapi

import "strings"

// Errors describe an operation in the user's terms. Both helpers read the
// request path, which buildPath assembled from fixed collection names and
// validated ids, so the path is a reliable description of the operation.

// collectionKinds maps a collection segment to the object an id after it names.
var collectionKinds = map[string]string{
	"workspaces":  "workspace",
	"connections": "connection",
	"rules":       "rule",
	"events":      "event",
	"sessions":    "session",
}

// pathSegments are the fixed, non-id segments; anything else following a
// collection is an id.
var pathSegments = map[string]bool{
	"workspaces": true, "connections": true, "rules": true, "events": true, "sessions": true,
	"integrations": true, "actions": true, "fields": true, "mappings": true, "default": true,
	"event-types": true, "resources": true, "payload": true, "retry": true, "refresh": true, "bulk": true,
}

// objectKind names the objects a path addresses by id: "connection" for
// /connections/{id}/fields, "event or rule" for the retry path, "" for a
// collection such as /workspaces.
func objectKind(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var kinds []string
	for i := 0; i+1 < len(segs); i++ {
		if kind, ok := collectionKinds[segs[i]]; ok && !pathSegments[segs[i+1]] {
			kinds = append(kinds, kind)
			i++
		}
	}
	return strings.Join(kinds, " or ")
}

// verifyHint tells the caller how to find out whether a POST with an unknown
// outcome took effect, before sending it again and risking a duplicate.
func verifyHint(path string) string {
	switch {
	case path == "/events" || path == "/events/bulk":
		return "list the workspace's recent events to see which arrived before sending again"
	case strings.HasSuffix(path, "/retry"):
		return "get the event and check this delivery's status and attempt_count before retrying again"
	case strings.HasSuffix(path, "/refresh"):
		return "list the workspace's sessions to check this session before refreshing again"
	case path == "/workspaces":
		return "list workspaces to see whether it was created before creating it again"
	case path == "/connections", path == "/rules", path == "/sessions":
		return "list the workspace's " + strings.TrimPrefix(path, "/") + " to see whether it was created before creating it again"
	}
	return "read the current state before repeating the request"
}

// shrinkHint says how to make a request to path small enough to be accepted.
func shrinkHint(path string) string {
	const reference = "put large blobs in your own storage and send a reference"
	switch path {
	case "/events":
		return "send a smaller payload (" + reference + ")"
	case "/events/bulk":
		return "send smaller payloads (" + reference + ") or fewer events at once"
	}
	return "send less in one request, for example a smaller mapping or less metadata"
}
