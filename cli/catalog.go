package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// buildCatalog connects the catalog to Meshes, or, with --sandbox, to an
// embedded sandbox started here. cleanup stops whatever was started and is
// never nil. On failure the catalog is nil and the failure is explained on
// stderr, prefixed by cmd (the command's name); a configuration problem
// says what to set.
func buildCatalog(ctx context.Context, cmd string, cfg *Config, env *Env) (*tools.Catalog, func()) {
	cleanup := func() {}
	var (
		mcfg meshesapi.Config
		err  error
	)
	if cfg.Sandbox {
		var run *sandbox.Running
		run, err = sandbox.Start(sandbox.Options{
			Credentials: sandbox.GenerateCredentials(),
			Seed:        true,
			DeliverTo:   sandbox.AllowTargets(cfg.SandboxDeliverTo),
			Logger:      env.Logger.With("component", "sandbox"),
		})
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: starting the sandbox: %v\n", cmd, err)
			return nil, cleanup
		}
		cleanup = func() { _ = run.Close() }
		// Built by hand rather than with LoadConfig, so that nothing from a
		// real credentials file (a publishable key, a production events
		// URL) mixes into sandbox mode.
		mcfg = meshesapi.Config{
			AccessKey: run.Credentials.AccessKey, SecretKey: run.Credentials.SecretKey,
			OrgID: run.Credentials.OrgID, APIURL: run.URL,
		}
		env.Logger.Info("sandbox started", "url", run.URL, "org_id", run.Credentials.OrgID)
	} else if mcfg, err = meshesapi.LoadConfig(env.Getenv); err != nil {
		reportConfigError(env, err)
		return nil, cleanup
	}
	version, _ := VersionInfo()
	mcfg.UserAgent = "meshes-mcp/" + version
	mcfg.Logger = env.Logger.With("component", "meshesapi")
	cfg.Operator.observeClient(&mcfg)
	client, err := meshesapi.New(mcfg)
	if err != nil {
		cleanup()
		reportConfigError(env, err)
		return nil, func() {}
	}
	opts := tools.Options{Policy: cfg.Policy(), Logger: env.Logger.With("component", "tools"),
		Limits: tools.Limits{CallTimeout: cfg.CallTimeout}}
	if cfg.Operator.metrics != nil {
		opts.Observer = cfg.Operator.metrics
	}
	cat, err := tools.New(client, opts)
	if err != nil {
		cleanup()
		fmt.Fprintf(env.Stderr, "%s: %v\n", cmd, err)
		return nil, func() {}
	}
	return cat, cleanup
}

// reportConfigError explains a configuration problem on stderr. meshesapi's
// errors name the variable and never its value.
func reportConfigError(env *Env, err error) {
	fmt.Fprintf(env.Stderr, "meshes-mcp: %v\n", err)
	if errors.Is(err, meshesapi.ErrMissingCredentials) {
		fmt.Fprintf(env.Stderr, `
meshes-mcp needs a Meshes machine key. Either
  - set %s, %s and %s in the MCP client's server config, or
  - put {"access_key": "...", "secret_key": "...", "org_id": "..."} in %s
    (or the file named by %s) and chmod 600 it, so no secret sits in the config;
  - or run with --sandbox to try everything against an embedded Meshes with demo data.
`, meshesapi.EnvAccessKey, meshesapi.EnvSecretKey, meshesapi.EnvOrgID, defaultCredentialsPath(env.Getenv), meshesapi.EnvCredentialsFile)
	}
}

func defaultCredentialsPath(getenv func(string) string) string {
	if p := meshesapi.DefaultCredentialsFile(getenv); p != "" {
		return p
	}
	return "<user config dir>/meshes/credentials.json"
}
