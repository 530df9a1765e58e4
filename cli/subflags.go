package cli

import (
	"flag"
	"fmt"
	"slices"
)

// catalogFlags is the flag set of a subcommand that builds the catalog
// (tools, call). It registers exactly the serve flags, so --read-only,
// --toolsets, --workspaces, --sandbox and their environment twins mean the
// same everywhere; own registers the subcommand's flags first. Flags that
// only the HTTP transports read are accepted but left out of -h.
func catalogFlags(name, synopsis string, env *Env, cfg *Config, own func(f *Flags)) *Flags {
	f := NewFlags("meshes-mcp "+name, env.Getenv, env.Stderr)
	if own != nil {
		own(f)
	}
	addCatalogFlags(f, cfg)
	// A command run by hand should print its answer, not the sandbox's
	// start-up line: warn unless the user chose a level.
	if env.Getenv("MESHES_LOG_LEVEL") == "" {
		_ = f.Set("log-level", "warn")
		f.Lookup("log-level").DefValue = "warn"
	}
	hidden := transportOnlyFlags(env)
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "Usage: meshes-mcp %s\n\nFlags:\n", synopsis)
		shown := flag.NewFlagSet(name, flag.ContinueOnError)
		shown.SetOutput(f.Output())
		f.VisitAll(func(fl *flag.Flag) {
			if !slices.Contains(hidden, fl.Name) {
				shown.Var(fl.Value, fl.Name, fl.Usage)
				shown.Lookup(fl.Name).DefValue = fl.DefValue
			}
		})
		shown.PrintDefaults()
	}
	return f
}

// transportOnlyFlags names the flags registered by transportFlags, found by
// running them on a scratch flag set.
func transportOnlyFlags(env *Env) []string {
	scratch := NewFlags("scratch", env.Getenv, nil)
	for _, add := range transportFlags {
		add(scratch, &Config{})
	}
	var names []string
	scratch.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	return names
}

// parseWithArgs parses flags placed anywhere among the positional arguments
// (`call list_rules --sandbox` as well as `call --sandbox list_rules`);
// everything after "--" is positional. It then runs the conversion checks.
func parseWithArgs(f *Flags, args []string) ([]string, error) {
	var positional []string
	for rest := args; len(rest) > 0; {
		if err := f.FlagSet.Parse(rest); err != nil {
			return nil, err
		}
		left := f.FlagSet.Args()
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		positional = append(positional, left[0])
		rest = left[1:]
	}
	return positional, f.Parse(nil)
}
