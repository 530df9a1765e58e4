package meshesapi

import "strings"

// Errors describe an operation in the user's terms, from its descriptor.

// pathKinds names the objects the operation's path addresses by id:
// "connection" for GetConnectionFields, "event or rule" for RetryDelivery,
// "" for a collection such as ListWorkspaces.
func pathKinds(op Operation) string {
	var kinds []string
	for _, id := range op.IDs {
		if id.In == InPath {
			kinds = append(kinds, id.Kind)
		}
	}
	return strings.Join(kinds, " or ")
}

// verifyHint tells the caller how to find out whether a POST with an unknown
// outcome took effect, before sending it again and risking a duplicate.
func verifyHint(op Operation) string {
	switch {
	case op.Name == opSendEvent.Name || op.Name == opSendEvents.Name:
		return "list the workspace's recent events to see which arrived before sending again"
	case op.Name == opRetryDelivery.Name:
		return "get the event and check this delivery's status and attempt_count before retrying again"
	case op.Name == opRefreshSession.Name:
		return "list the workspace's sessions to check this session before refreshing again"
	case op.Name == opCreateWorkspace.Name:
		return "list workspaces to see whether it was created before creating it again"
	case op.Creates():
		return "list the workspace's " + op.Kind + "s to see whether it was created before creating it again"
	}
	return "read the current state before repeating the request"
}

// shrinkHint says how to make a request small enough to be accepted.
func shrinkHint(op Operation) string {
	const reference = "put large blobs in your own storage and send a reference"
	switch op.Name {
	case opSendEvent.Name:
		return "send a smaller payload (" + reference + ")"
	case opSendEvents.Name:
		return "send smaller payloads (" + reference + ") or fewer events at once"
	}
	return "send less in one request, for example a smaller mapping or less metadata"
}
