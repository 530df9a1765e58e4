// Package teststack assembles the server's whole backend in one process for
// tests and benchmarks: a seeded sandbox behind a fault-injecting proxy, a
// meshesapi.Client pointed at the proxy, and a tools.Catalog on that client.
// Every request the catalog makes crosses a real loopback socket and is
// logged by the proxy, so tests count what reached the wire.
package teststack

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/faultmeshes"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Options tune the stack; zero values suit fast tests.
type Options struct {
	// Retry is the client's retry policy. Zero fields keep meshesapi's
	// defaults (4 attempts), except BaseDelay and MaxDelay, which default
	// to 1 ms and 5 ms so a retrying test does not wait a second.
	Retry meshesapi.RetryPolicy
	// Timeout bounds each attempt; default 10 s, which a loaded -race run
	// never reaches by accident. Tests that inject hangs shorten it, so a
	// hang costs a fraction of a second instead of meshesapi's 30 s.
	Timeout time.Duration
	// MaxResponseBytes caps response bodies; default meshesapi's.
	MaxResponseBytes int64
	// Credentials for the sandbox; empty fields are generated.
	Credentials sandbox.Credentials
	// WebhookTimeout bounds one webhook delivery attempt; default 1 s.
	// Tests that hold a destination's answer to keep a delivery in flight
	// lengthen it.
	WebhookTimeout time.Duration
}

// Stack is one backend. Close it (or let tb.Cleanup do it).
type Stack struct {
	Sandbox *sandbox.Running
	Proxy   *faultmeshes.Server
	Client  *meshesapi.Client
	Catalog *tools.Catalog
	Creds   sandbox.Credentials
	// IDs are objects of the seeded demo organisation.
	IDs IDs

	closeOnce sync.Once
}

// IDs of seeded objects, so calls can target something that exists.
type IDs struct {
	// Connection is an active, non-webhook connection (live data works).
	Workspace, Connection, Rule, Event, FailedEvent, Session string
	// WebhookConnection is the seeded webhook connection, whose metadata
	// carries a signing secret.
	WebhookConnection string
}

// Start builds a stack and registers its Close with tb.
func Start(tb testing.TB, opts Options) *Stack {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New builds a stack; the caller must Close it.
func New(opts Options) (*Stack, error) {
	run, err := sandbox.Start(sandbox.Options{Credentials: opts.Credentials, Seed: true,
		Backoff: []time.Duration{10 * time.Millisecond}, WebhookTimeout: cmp.Or(opts.WebhookTimeout, time.Second)})
	if err != nil {
		return nil, err
	}
	proxy, err := faultmeshes.Listen(run.Server)
	if err != nil {
		_ = run.Close()
		return nil, err
	}
	s := &Stack{Sandbox: run, Proxy: proxy, Creds: run.Credentials}
	retry := opts.Retry
	if retry.BaseDelay == 0 {
		retry.BaseDelay = time.Millisecond
	}
	if retry.MaxDelay == 0 {
		retry.MaxDelay = 5 * time.Millisecond
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	s.Client, err = meshesapi.New(meshesapi.Config{
		AccessKey: run.Credentials.AccessKey, SecretKey: run.Credentials.SecretKey, OrgID: run.Credentials.OrgID,
		APIURL: proxy.URL, Timeout: timeout, Retry: retry, MaxResponseBytes: opts.MaxResponseBytes,
	})
	if err == nil {
		s.Catalog, err = tools.New(s.Client, tools.Options{})
	}
	if err == nil {
		err = s.findIDs()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	proxy.Reset() // the lookups above are not part of any test's count
	return s, nil
}

// Close stops the proxy and the sandbox; later calls do nothing.
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		_ = s.Proxy.Close()
		_ = s.Sandbox.Close()
	})
}

func (s *Stack) findIDs() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := s.Sandbox.Server.Workspaces()
	if len(ws) == 0 {
		return fmt.Errorf("teststack: the seeded sandbox has no workspace")
	}
	s.IDs.Workspace = ws[0].ID
	conns, err := s.Client.ListWorkspaceConnections(ctx, s.IDs.Workspace, meshesapi.Page{})
	if err != nil {
		return err
	}
	for _, c := range conns.Records {
		active := c.Active == nil || *c.Active
		if s.IDs.Connection == "" && c.Type != "webhook" && active {
			s.IDs.Connection = c.ID
		}
		if c.Type == "webhook" {
			s.IDs.WebhookConnection = c.ID
		}
	}
	rules, err := s.Client.ListWorkspaceRules(ctx, s.IDs.Workspace, meshesapi.RuleFilter{})
	if err != nil {
		return err
	}
	events, err := s.Client.ListWorkspaceEvents(ctx, s.IDs.Workspace, meshesapi.EventQuery{})
	if err != nil {
		return err
	}
	sessions, err := s.Client.ListSessions(ctx, meshesapi.SessionQuery{WorkspaceID: s.IDs.Workspace})
	if err != nil {
		return err
	}
	if len(rules.Records) == 0 || len(events.Records) == 0 || len(sessions.Records) == 0 || s.IDs.Connection == "" {
		return fmt.Errorf("teststack: the seeded sandbox lacks rules, events, sessions or connections")
	}
	s.IDs.Rule = rules.Records[0].ID
	s.IDs.Event = events.Records[0].ID
	for _, e := range events.Records {
		if e.Status == "failed" && s.IDs.FailedEvent == "" {
			s.IDs.FailedEvent = e.ID
		}
	}
	s.IDs.Session = sessions.Records[0].SessionID
	return nil
}
