package sandbox

import (
	"sync"
	"time"
)

// job asks a worker to attempt one delivery. gen must still match the
// delivery's generation when the job runs, so that a job made stale by a
// cancel or a manual retry is dropped instead of causing a second attempt.
type job struct {
	id  string
	gen int
}

// jobQueue is an unbounded FIFO with delayed pushes. Unbounded because
// ingestion must never block on delivery: a slow webhook may not stall the
// API, and a handler must not wait while holding the store lock.
type jobQueue struct {
	mu     sync.Mutex
	items  []job
	timers map[*time.Timer]struct{}
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

func newJobQueue() *jobQueue {
	return &jobQueue{timers: map[*time.Timer]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *jobQueue) push(jobs ...job) {
	if len(jobs) == 0 {
		return
	}
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, jobs...)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *jobQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pushAfter queues j after d (an automatic retry's backoff).
func (q *jobQueue) pushAfter(d time.Duration, j job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	var t *time.Timer
	// The callback takes q.mu first, so it cannot read t before the
	// assignment below completes.
	t = time.AfterFunc(d, func() {
		q.mu.Lock()
		delete(q.timers, t)
		q.mu.Unlock()
		q.push(j)
	})
	q.timers[t] = struct{}{}
}

// pop blocks until a job is available or the queue is closed.
func (q *jobQueue) pop() (job, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return job{}, false
		}
		if len(q.items) > 0 {
			j := q.items[0]
			q.items = q.items[1:]
			more := len(q.items) > 0
			q.mu.Unlock()
			if more {
				q.signal() // let another idle worker take the next one
			}
			return j, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-q.done:
		}
	}
}

// close stops the queue: pending timers are cancelled and waiting workers
// return.
func (q *jobQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for t := range q.timers {
		t.Stop()
	}
	close(q.done)
}
