package testbin

import "github.com/meshes-mcp/meshes-mcp/sandbox"

// ChildEnv is the environment of a server under test pointed at a Meshes
// stand-in at apiURL: creds for credentials, HOME and XDG_CONFIG_HOME at
// home so that no real credentials file is found, and every other variable
// the server reads set empty, because a client library may hand the child
// the developer's own environment as well (cli's
// TestChildEnvBlanksEveryVariableTheServerReads holds this list to the
// flag registry). extra comes last, and the last of duplicate entries is
// the one a child sees.
func ChildEnv(home string, creds sandbox.Credentials, apiURL string, extra ...string) []string {
	return append([]string{
		"MESHES_ACCESS_KEY=" + creds.AccessKey, "MESHES_SECRET_KEY=" + creds.SecretKey,
		"MESHES_ORG_ID=" + creds.OrgID, "MESHES_ORGANIZATION_ID=", "MESHES_API_URL=" + apiURL,
		"MESHES_EVENTS_URL=", "MESHES_PUBLISHABLE_KEY=", "MESHES_CREDENTIALS_FILE=",
		"MESHES_READ_ONLY=", "MESHES_TOOLSETS=", "MESHES_WORKSPACES=", "MESHES_SANDBOX=",
		"MESHES_MCP_TRANSPORT=", "MESHES_MCP_MAX_BODY_BYTES=", "MESHES_LOG_LEVEL=", "MESHES_LOG_FORMAT=",
		"MESHES_MCP_OAUTH_ISSUER=", "MESHES_MCP_PUBLIC_URL=", "MESHES_MCP_OAUTH_READ_SCOPE=", "MESHES_MCP_OAUTH_WRITE_SCOPE=",
		"MESHES_MCP_OAUTH_WORKSPACES_CLAIM=", "MESHES_MCP_RATE_LIMIT=", "MESHES_MCP_RATE_BURST=",
		"MESHES_MCP_ADDR=", "MESHES_MCP_TOKEN=", "MESHES_MCP_TLS_CERT=", "MESHES_MCP_TLS_KEY=", "MESHES_MCP_ALLOWED_ORIGINS=",
		"MESHES_MCP_SHUTDOWN_TIMEOUT=", "MESHES_MCP_CALL_TIMEOUT=", "MESHES_MAX_REQUEST_BYTES=", "MESHES_SANDBOX_DELIVER_TO=",
		"HOME=" + home, "XDG_CONFIG_HOME=" + home,
	}, extra...)
}
