package metrics

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// maxLabels is the most labels a family has; series are keyed by a fixed
// array of label values so that recording allocates nothing once a series
// exists.
const maxLabels = 2

type labelValues [maxLabels]string

// A vec is a family of counters, or of histograms when it has buckets, with
// one series per combination of label values.
type vec struct {
	name, help string
	// labels are the label names in the order they are written, sorted as
	// Prometheus' own clients write them; values are passed in this order.
	labels []string
	// buckets are a histogram's upper bounds, ascending; nil for a counter.
	buckets []float64

	mu     sync.Mutex
	series map[labelValues]*series
}

type series struct {
	// count is a counter's value, or a histogram's number of observations.
	count uint64
	sum   float64
	// counts are a histogram's observations per bucket, not cumulative; the
	// last counts those above every bound (le="+Inf").
	counts []uint64
}

func newVec(name, help string, buckets []float64, labels ...string) *vec {
	if len(labels) > maxLabels || !slices.IsSorted(labels) || !slices.IsSorted(buckets) {
		panic(fmt.Sprintf("metrics: %s: at most %d labels, sorted, and ascending buckets", name, maxLabels))
	}
	return &vec{name: name, help: help, labels: labels, buckets: buckets, series: map[labelValues]*series{}}
}

// inc adds one to the counter with these label values.
func (v *vec) inc(values ...string) {
	v.mu.Lock()
	v.at(values).count++
	v.mu.Unlock()
}

// observe records x in the histogram with these label values.
func (v *vec) observe(x float64, values ...string) {
	bucket := sort.SearchFloat64s(v.buckets, x) // the first bound ≥ x: le is inclusive
	v.mu.Lock()
	s := v.at(values)
	s.count++
	s.sum += x
	s.counts[bucket]++
	v.mu.Unlock()
}

// at returns the series for values, creating it; v.mu is held.
func (v *vec) at(values []string) *series {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", v.name, len(v.labels), len(values)))
	}
	var key labelValues
	copy(key[:], values)
	s := v.series[key]
	if s == nil {
		s = &series{}
		if v.buckets != nil {
			s.counts = make([]uint64, len(v.buckets)+1)
		}
		v.series[key] = s
	}
	return s
}

// write writes the family, its series sorted by label values, or nothing
// while it has none (as client_golang did).
func (v *vec) write(t *text) {
	type row struct {
		key labelValues
		series
	}
	v.mu.Lock()
	rows := make([]row, 0, len(v.series))
	for key, s := range v.series {
		rows = append(rows, row{key, series{s.count, s.sum, slices.Clone(s.counts)}})
	}
	v.mu.Unlock()
	if len(rows) == 0 {
		return
	}
	slices.SortFunc(rows, func(a, b row) int {
		return slices.Compare(a.key[:], b.key[:])
	})
	if v.buckets == nil {
		t.header(v.name, v.help, "counter")
		for _, r := range rows {
			t.sample(v.name, v.labels, r.key[:], "", "", formatUint(r.count))
		}
		return
	}
	t.header(v.name, v.help, "histogram")
	for _, r := range rows {
		var cumulative uint64
		for i, bound := range v.buckets {
			cumulative += r.counts[i]
			t.sample(v.name+"_bucket", v.labels, r.key[:], "le", formatFloat(bound), formatUint(cumulative))
		}
		t.sample(v.name+"_bucket", v.labels, r.key[:], "le", "+Inf", formatUint(r.count))
		t.sample(v.name+"_sum", v.labels, r.key[:], "", "", formatFloat(r.sum))
		t.sample(v.name+"_count", v.labels, r.key[:], "", "", formatUint(r.count))
	}
}
