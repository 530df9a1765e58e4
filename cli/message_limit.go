package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
)

// The largest MCP message accepted is one setting for every transport, so
// that an agent meets the same limit whichever way it connects. It is one
// of the transportFlags (registry.go) because only serving reads it:
// subcommands accept it but leave it out of their -h.
func registerMessageLimitFlag(f *Flags, cfg *Config) {
	var raw string
	f.String(&raw, "max-body-bytes", "MESHES_MCP_MAX_BODY_BYTES", strconv.FormatInt(httpserver.DefaultMaxBodyBytes, 10),
		"largest MCP message accepted: an HTTP request body (413 beyond) or one stdin line")
	f.After(func() error {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("--max-body-bytes must be a positive number of bytes, not %q", raw)
		}
		cfg.MaxMessageBytes = n
		return nil
	})
}
