// Package deploy holds the deployment recipe of docs/deploy.md; its test
// checks that the manifests say what the recipe promises and that the
// server accepts the configuration they give it.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/meshes-mcp/meshes-mcp/cli"
)

type manifest = map[string]any

func loadManifests(t *testing.T, path string) []manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []manifest
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return docs
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, m)
	}
}

// get walks a path of map keys and list indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func kind(docs []manifest, k string) manifest {
	for _, d := range docs {
		if d["kind"] == k {
			return d
		}
	}
	return nil
}

func TestKubernetesManifest(t *testing.T) {
	docs := loadManifests(t, "kubernetes.yaml")
	dep := kind(docs, "Deployment")
	if dep == nil {
		t.Fatal("no Deployment")
	}
	if r, _ := get(dep, "spec", "replicas").(int); r < 2 {
		t.Errorf("replicas %v: a team server runs at least two", get(dep, "spec", "replicas"))
	}
	pod := get(dep, "spec", "template", "spec")
	c := get(pod, "containers", 0)
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		if get(c, probe, "httpGet", "path") != "/healthz" {
			t.Errorf("%s does not check /healthz", probe)
		}
	}
	if get(c, "securityContext", "readOnlyRootFilesystem") != true {
		t.Error("root filesystem is not read-only")
	}
	if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("container may run as root or escalate")
	}
	for _, r := range []string{"cpu", "memory"} {
		if get(c, "resources", "limits", r) == nil {
			t.Errorf("no %s limit", r)
		}
	}

	// The server accepts exactly this configuration: flags from args,
	// environment from the ConfigMap (credentials come from a Secret and
	// are not needed to parse).
	var args []string
	for _, a := range get(c, "args").([]any) {
		args = append(args, a.(string))
	}
	env := map[string]string{}
	for k, v := range get(kind(docs, "ConfigMap"), "data").(map[string]any) {
		env[k] = v.(string)
	}
	var stdout, stderr bytes.Buffer
	if code := cli.Main(append(slices.Clone(args), "--version"), strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("meshes-mcp %s refuses the manifest's configuration (exit %d): %s", strings.Join(args, " "), code, &stderr)
	}

	// Every variable the manifest sets is one the server reads, secrets
	// come from a Secret, never a literal.
	usage := helpText(t)
	for _, e := range get(c, "env").([]any) {
		name := get(e, "name").(string)
		switch name {
		case "MESHES_ACCESS_KEY", "MESHES_SECRET_KEY", "MESHES_ORG_ID":
			if get(e, "valueFrom", "secretKeyRef") == nil {
				t.Errorf("%s is not taken from a Secret", name)
			}
		case "GOMEMLIMIT":
		default:
			if !strings.Contains(usage, "(env "+name) {
				t.Errorf("env %s is not a variable meshes-mcp reads", name)
			}
		}
	}
	for name := range env {
		if !strings.Contains(usage, "(env "+name) {
			t.Errorf("ConfigMap key %s is not a variable meshes-mcp reads", name)
		}
	}

	// Rollouts drain: the pod's grace period outlasts the server's own.
	grace, _ := get(pod, "terminationGracePeriodSeconds").(int)
	i := slices.Index(args, "--shutdown-timeout")
	if i < 0 {
		t.Fatal("args do not set --shutdown-timeout")
	}
	shutdown, err := time.ParseDuration(args[i+1])
	if err != nil || time.Duration(grace)*time.Second <= shutdown {
		t.Errorf("terminationGracePeriodSeconds %d does not outlast --shutdown-timeout %s", grace, args[i+1])
	}
	if port := get(c, "ports", 0, "containerPort"); port != 8808 || !slices.Contains(args, "0.0.0.0:8808") {
		t.Errorf("container port %v and --addr disagree", port)
	}
}

// helpText is the serve command's -h, which names every flag and variable.
func helpText(t *testing.T) string {
	var out, errOut bytes.Buffer
	cli.Main([]string{"-h"}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	text := out.String() + errOut.String()
	if !regexp.MustCompile(`\(env MESHES_MCP_PUBLIC_URL\)`).MatchString(text) {
		t.Fatalf("-h does not list the variables:\n%s", text)
	}
	return text
}
