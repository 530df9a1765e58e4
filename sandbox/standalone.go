package sandbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
)

// DefaultAddr is where `meshes-mcp sandbox` listens without --addr. A fixed
// port keeps the printed MESHES_API_URL valid across restarts.
const DefaultAddr = "127.0.0.1:4010"

// Standalone is what `meshes-mcp sandbox` serves.
type Standalone struct {
	// Addr is the host:port to listen on; DefaultAddr when empty.
	Addr string
	// Seed starts the sandbox with the demo organisation.
	Seed bool
	// DeliverTo lists the host:port webhook targets that get real
	// requests; every other webhook is simulated, as under --sandbox, so
	// that a client of the sandbox cannot aim it at arbitrary ports of the
	// machine it runs on.
	DeliverTo []string
}

// RunStandalone serves a sandbox for `meshes-mcp sandbox` until ctx is
// cancelled, writing setup instructions and logs to out.
//
// When MESHES_ACCESS_KEY, MESHES_SECRET_KEY and MESHES_ORG_ID (alias
// MESHES_ORGANIZATION_ID) are all set, exactly that key is accepted, so an
// existing configuration works unchanged; otherwise a key is generated and
// printed as export lines. A non-loopback addr is allowed, since every
// request still needs the machine key's signed JWT, but it is flagged.
func RunStandalone(ctx context.Context, st Standalone, env func(string) string, out io.Writer) error {
	addr := st.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox: invalid address %q: %w", addr, err)
	}
	creds, fromEnv, note := credentialsFromEnv(env)
	if fromEnv && !isUUID(creds.OrgID) {
		return fmt.Errorf("sandbox: MESHES_ORG_ID must be an organization UUID")
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	run, err := Start(Options{Credentials: creds, Addr: addr, Seed: st.Seed, Logger: logger, DeliverTo: AllowTargets(st.DeliverTo)})
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Meshes sandbox listening on %s (API base %s/api/v1)\n", run.URL, run.URL)
	if !isLoopbackHost(host) {
		fmt.Fprintf(&b, "WARNING: %s is reachable from other machines; the machine key below is the only protection.\n", host)
	}
	if note != "" {
		b.WriteString(note + "\n")
	}
	if len(st.DeliverTo) == 0 {
		b.WriteString("Webhooks are simulated: list the host:port targets that should get real requests in --sandbox-deliver-to.\n")
	} else {
		fmt.Fprintf(&b, "Webhooks get real requests only at %s; every other webhook is simulated.\n", strings.Join(st.DeliverTo, ", "))
	}
	for _, ws := range run.Server.Workspaces() {
		fmt.Fprintf(&b, "  workspace %-18q id %s  publishable key %s\n", ws.Name, ws.ID, ws.PublishableKey)
	}
	fmt.Fprintf(&b, "export MESHES_API_URL=%s\n", run.URL)
	if fromEnv {
		b.WriteString("Accepting the machine key from MESHES_ACCESS_KEY / MESHES_SECRET_KEY / MESHES_ORG_ID.\n")
	} else {
		fmt.Fprintf(&b, "export MESHES_ACCESS_KEY=%s\nexport MESHES_SECRET_KEY=%s\nexport MESHES_ORG_ID=%s\n",
			creds.AccessKey, creds.SecretKey, creds.OrgID)
	}
	b.WriteString("Serving until interrupted.\n")
	if _, err := io.WriteString(out, b.String()); err != nil {
		_ = run.Close()
		return err
	}
	<-ctx.Done()
	return run.Close()
}

// credentialsFromEnv returns the configured machine key when all three
// variables are set, else a generated one (with a note when the
// configuration was partial, so the user knows theirs was ignored).
func credentialsFromEnv(env func(string) string) (Credentials, bool, string) {
	c := Credentials{AccessKey: env("MESHES_ACCESS_KEY"), SecretKey: env("MESHES_SECRET_KEY"), OrgID: env("MESHES_ORG_ID")}
	if c.OrgID == "" {
		c.OrgID = env("MESHES_ORGANIZATION_ID")
	}
	switch {
	case c.AccessKey != "" && c.SecretKey != "" && c.OrgID != "":
		return c, true, ""
	case c.AccessKey != "" || c.SecretKey != "" || c.OrgID != "":
		return GenerateCredentials(), false, "Note: MESHES_ACCESS_KEY, MESHES_SECRET_KEY and MESHES_ORG_ID are not all set; generated a new machine key instead."
	default:
		return GenerateCredentials(), false, ""
	}
}
