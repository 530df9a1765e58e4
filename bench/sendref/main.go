// Command sendref is the reference for the memory and speed of
// send_events: the same work, without MCP or JSON-RPC. It reads the tool's
// arguments ({"events": [{"workspace_id", "event", "payload", ...}]}) from
// stdin, keeps each payload as the raw JSON it was given, and sends the
// events through the same meshesapi client, configured from the same
// environment as the server, in bulk requests of meshesapi.MaxBulkEvents
// with as many in flight as send_events allows. What the server spends
// beyond this program on the same call is the cost of its protocol layer.
//
// Each JSON value read from stdin is one call, answered with one line,
// {"total": n, "accepted": m}, so that one process serves several calls
// as a server session does; {"events": []} is a call without work, which a
// benchmark uses to learn the process is ready. stress's
// BenchmarkSendEvents10k runs it next to the server on the same events.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// concurrency is how many bulk requests send_events has in flight
// (tools.DefaultConcurrency; a test keeps them equal). Importing package
// tools here would link mcp-go into the reference and inflate the very
// figure it is the baseline for.
const concurrency = 4

// event is one item of send_events' events argument. Its fields are
// meshesapi.EventInput's, in the same order, under the tool's names, so
// that converting one to the other copies nothing but the struct.
type event struct {
	Event      string          `json:"event"`
	Payload    json.RawMessage `json:"payload"`
	Resource   string          `json:"resource,omitempty"`
	ResourceID string          `json:"resource_id,omitempty"`
	Workspace  string          `json:"workspace_id,omitempty"`
}

type arguments struct {
	Events []event `json:"events"`
}

type result struct {
	Total    int `json:"total"`
	Accepted int `json:"accepted"`
}

// main hands run this process's stdin and stdout: sendref is a separate
// program a benchmark runs, which the server binary never links
// (deps_test.go checks), so this stdout is never the MCP server's protocol
// channel.
func main() {
	if err := run(os.Stdin, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "sendref:", err)
		os.Exit(1)
	}
}

func run(stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	cfg, err := meshesapi.LoadConfig(getenv)
	if err != nil {
		return err
	}
	cfg.UserAgent = "meshes-mcp-sendref"
	client, err := meshesapi.New(cfg)
	if err != nil {
		return err
	}
	dec, enc := json.NewDecoder(stdin), json.NewEncoder(stdout)
	for {
		var args arguments
		if err := dec.Decode(&args); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading the arguments: %w", err)
		}
		accepted := send(context.Background(), client, args.Events)
		if err := enc.Encode(result{Total: len(args.Events), Accepted: accepted}); err != nil {
			return err
		}
	}
}

// send sends events in bulk requests of at most meshesapi.MaxBulkEvents,
// concurrency at a time, and returns how many Meshes accepted. A failed
// request counts its events as not accepted and is reported on stderr.
// send_events also splits batches to fit the client's MaxRequestBytes;
// the benchmark's batches are far below it, and one that was not would be
// refused by the client before it left.
func send(ctx context.Context, client *meshesapi.Client, events []event) int {
	var (
		mu       sync.Mutex
		accepted int
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, concurrency)
	for start := 0; start < len(events); start += meshesapi.MaxBulkEvents {
		chunk := events[start:min(start+meshesapi.MaxBulkEvents, len(events))]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			batch := make([]meshesapi.EventInput, len(chunk))
			for i, e := range chunk {
				batch[i] = meshesapi.EventInput(e)
			}
			res, err := client.SendEvents(ctx, batch)
			if err != nil {
				fmt.Fprintf(os.Stderr, "sendref: events[%d:%d]: %v\n", start, start+len(chunk), err)
				return
			}
			n := 0
			for _, r := range res.Records {
				if r.Accepted() {
					n++
				}
			}
			mu.Lock()
			accepted += n
			mu.Unlock()
		})
	}
	wg.Wait()
	return accepted
}
