package tools

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
)

// forEach runs fn for every item with at most limit running at once. The
// first error cancels the rest and is returned; so is the caller's
// cancellation, so no request outlives the call. A panic in fn is that
// item's error (see contain): a goroutine that panics would otherwise take
// the whole server down, past the adapter's recovery.
func forEach[T any](ctx context.Context, log *slog.Logger, limit int, items []T, fn func(context.Context, T) error) error {
	if len(items) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for _, item := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := contain(log, "a worker", func() error { return fn(ctx, item) })
			if err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// panicError is a panic recovered in code a call ran. The message says
// nothing of the panic itself, which may quote data; the log has it.
type panicError struct{ where string }

func (e *panicError) Error() string {
	return "internal error in " + e.where + "; the server logged it and is still running"
}

// contain runs fn and turns a panic inside it into a *panicError, logged
// with its stack.
func contain(log *slog.Logger, where string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(log, where, r)
			err = &panicError{where: where}
		}
	}()
	return fn()
}

// logPanic records a recovered panic with the stack that raised it.
func logPanic(log *slog.Logger, where string, r any) {
	log.Error("panic recovered", "where", where, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// inOneWave sends independent requests together, at most limit at once, so
// that they cost one round trip instead of one each. It waits for all of
// them and returns the error of the first, in the order given, that failed:
// the error running them one after another would have stopped at, so a
// caller's errors do not depend on which answer came back first.
func inOneWave(ctx context.Context, log *slog.Logger, limit int, requests ...func(context.Context) error) error {
	errs := make([]error, len(requests))
	indexes := make([]int, len(requests))
	for i := range indexes {
		indexes[i] = i
	}
	waveErr := forEach(ctx, log, limit, indexes, func(ctx context.Context, i int) error {
		errs[i] = contain(log, "a request", func() error { return requests[i](ctx) })
		return nil
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return waveErr
}
