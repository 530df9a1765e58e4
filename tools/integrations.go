package tools

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// integrationTTL is how long the integration catalog is reused: it changes
// with Meshes releases, not between one call and the next.
const integrationTTL = 10 * time.Minute

// integrationCache keeps the integration catalog for the checks that need
// to know an integration's authentication (create_connection's OAuth
// notice) without a round trip on every call.
type integrationCache struct {
	mu      sync.Mutex
	fetched time.Time
	byType  map[string]meshesapi.Integration
}

// integration returns the catalog entry of an integration type; ok is false
// when the type is unknown or the catalog cannot be read just now, which
// callers treat as "nothing to add".
func (c *Catalog) integration(ctx context.Context, typ string) (meshesapi.Integration, bool) {
	ic := &c.integrations
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.byType == nil || time.Since(ic.fetched) > integrationTTL {
		records, _, err := collectPages(ctx, c.client.ListIntegrations)
		if err != nil {
			return meshesapi.Integration{}, false
		}
		ic.byType = make(map[string]meshesapi.Integration, len(records))
		for _, r := range records {
			ic.byType[strings.ToLower(r.Type)] = r
		}
		ic.fetched = time.Now()
	}
	in, ok := ic.byType[strings.ToLower(typ)]
	return in, ok
}
