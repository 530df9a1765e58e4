package metrics

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// writeGoRuntime writes the Go runtime's families as client_golang's Go
// collector names and explains them, read now, in name order.
func writeGoRuntime(t *text) {
	gc := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&gc)
	t.header("go_gc_duration_seconds", "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", "summary")
	for i, pause := range gc.PauseQuantiles {
		quantile := float64(i) / float64(len(gc.PauseQuantiles)-1)
		t.sample("go_gc_duration_seconds", nil, nil, "quantile", formatFloat(quantile), formatFloat(pause.Seconds()))
	}
	t.sample("go_gc_duration_seconds_sum", nil, nil, "", "", formatFloat(gc.PauseTotal.Seconds()))
	t.sample("go_gc_duration_seconds_count", nil, nil, "", "", strconv.FormatInt(gc.NumGC, 10))
	t.scalar("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.",
		"gauge", float64(debug.SetMemoryLimit(-1))) // a negative limit only reads it
	t.scalar("go_goroutines", "Number of goroutines that currently exist.", "gauge", float64(runtime.NumGoroutine()))
	t.header("go_info", "Information about the Go environment.", "gauge")
	t.sample("go_info", nil, nil, "version", runtime.Version(), "1")

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for _, s := range []struct {
		name, help, kind string
		value            float64
	}{
		{"alloc_bytes", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", "gauge", float64(ms.Alloc)},
		{"alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", "counter", float64(ms.TotalAlloc)},
		{"buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", "gauge", float64(ms.BuckHashSys)},
		{"frees_total", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", "counter", float64(ms.Frees)},
		{"gc_sys_bytes", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", "gauge", float64(ms.GCSys)},
		{"heap_alloc_bytes", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", "gauge", float64(ms.HeapAlloc)},
		{"heap_idle_bytes", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", "gauge", float64(ms.HeapIdle)},
		{"heap_inuse_bytes", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", "gauge", float64(ms.HeapInuse)},
		{"heap_objects", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", "gauge", float64(ms.HeapObjects)},
		{"heap_released_bytes", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", "gauge", float64(ms.HeapReleased)},
		{"heap_sys_bytes", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", "gauge", float64(ms.HeapSys)},
		{"last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", "gauge", float64(ms.LastGC) / 1e9},
		{"mallocs_total", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", "counter", float64(ms.Mallocs)},
		{"mcache_inuse_bytes", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", "gauge", float64(ms.MCacheInuse)},
		{"mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", "gauge", float64(ms.MCacheSys)},
		{"mspan_inuse_bytes", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", "gauge", float64(ms.MSpanInuse)},
		{"mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", "gauge", float64(ms.MSpanSys)},
		{"next_gc_bytes", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", "gauge", float64(ms.NextGC)},
		{"other_sys_bytes", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", "gauge", float64(ms.OtherSys)},
		{"stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", "gauge", float64(ms.StackInuse)},
		{"stack_sys_bytes", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", "gauge", float64(ms.StackSys)},
		{"sys_bytes", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", "gauge", float64(ms.Sys)},
	} {
		t.scalar("go_memstats_"+s.name, s.help, s.kind, s.value)
	}

	t.scalar("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.",
		"gauge", float64(runtime.GOMAXPROCS(0)))
	threads, _ := runtime.ThreadCreateProfile(nil)
	t.scalar("go_threads", "Number of OS threads created.", "gauge", float64(threads))
}

// userHZ is the unit of /proc's CPU times and start time: USER_HZ, 100 on
// every Linux Prometheus supports (procfs assumes the same).
const userHZ = 100

// writeProcess writes the process families as client_golang's process
// collector names and explains them, read now from Linux's /proc, in name
// order. Each is left out where its file cannot be read: on other systems,
// or under a /proc the container hides.
func writeProcess(t *text) {
	stat := procSelfStat()
	if stat != nil {
		utime, err1 := strconv.ParseFloat(stat[statUtime], 64)
		stime, err2 := strconv.ParseFloat(stat[statStime], 64)
		if err1 == nil && err2 == nil {
			t.scalar("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", (utime+stime)/userHZ)
		}
	}
	limits, _ := os.ReadFile("/proc/self/limits")
	if limit, ok := softLimit(limits, "Max open files"); ok {
		t.scalar("process_max_fds", "Maximum number of open file descriptors.", "gauge", limit)
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		t.scalar("process_open_fds", "Number of open file descriptors.", "gauge", float64(len(fds)))
	}
	if stat != nil {
		if rss, err := strconv.ParseFloat(stat[statRSS], 64); err == nil {
			t.scalar("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", rss*float64(os.Getpagesize()))
		}
		start, err := strconv.ParseFloat(stat[statStartTime], 64)
		if boot, ok := bootTime(); ok && err == nil {
			t.scalar("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", boot+start/userHZ)
		}
		if vsize, err := strconv.ParseFloat(stat[statVSize], 64); err == nil {
			t.scalar("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", vsize)
		}
	}
	if limit, ok := softLimit(limits, "Max address space"); ok {
		t.scalar("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", "gauge", limit)
	}
}

// Indexes into procSelfStat's fields, which start at the state (field 3 in
// proc(5)).
const (
	statUtime     = 14 - 3
	statStime     = 15 - 3
	statStartTime = 22 - 3
	statVSize     = 23 - 3
	statRSS       = 24 - 3
)

// procSelfStat returns the fields of /proc/self/stat after the command
// name (which may hold spaces and parentheses), or nil.
func procSelfStat() []string {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return nil
	}
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return nil
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) <= statRSS {
		return nil
	}
	return fields
}

// softLimit returns the soft limit in a row of /proc/self/limits, with
// "unlimited" as the largest uint64 (as procfs reports it).
func softLimit(limits []byte, row string) (float64, bool) {
	for line := range strings.Lines(string(limits)) {
		rest, found := strings.CutPrefix(line, row+" ")
		if fields := strings.Fields(rest); found && len(fields) > 0 {
			if fields[0] == "unlimited" {
				return math.MaxUint64, true
			}
			v, err := strconv.ParseFloat(fields[0], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// bootTime returns when the system booted, in seconds since the epoch, from
// /proc/stat.
func bootTime() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, found := strings.CutPrefix(line, "btime "); found {
			boot, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return boot, err == nil
		}
	}
	return 0, false
}
