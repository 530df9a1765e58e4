package metrics

import (
	"bytes"
	"compress/gzip"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// contentType names the text exposition format, version 0.0.4, which every
// Prometheus-compatible scraper reads.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// serve answers a scrape with every family, in name order (as
// client_golang wrote them), gzipped when the scraper accepts it.
func (m *Metrics) serve(w http.ResponseWriter, r *http.Request) {
	var t text
	writeGoRuntime(&t)
	m.rejected.write(&t)
	m.toolSeconds.write(&t)
	t.header("meshes_mcp_tool_calls_in_flight", "Tool calls running now.", "gauge")
	t.sample("meshes_mcp_tool_calls_in_flight", nil, nil, "", "", strconv.FormatInt(m.inFlight.Load(), 10))
	m.toolCalls.write(&t)
	m.upstreamSeconds.write(&t)
	m.upstream.write(&t)
	m.retries.write(&t)
	writeProcess(&t)

	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Length", strconv.Itoa(t.Len()))
		_, _ = w.Write(t.Bytes())
		return
	}
	h.Set("Content-Encoding", "gzip")
	gz := gzip.NewWriter(w)
	_, _ = gz.Write(t.Bytes())
	_ = gz.Close()
}

// acceptsGzip reports whether an Accept-Encoding header lists gzip without
// refusing it (q=0).
func acceptsGzip(header string) bool {
	for _, coding := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(coding, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !found {
			return true
		}
		weight, err := strconv.ParseFloat(q, 64)
		return err == nil && weight > 0
	}
	return false
}

// text is a response being written in the text exposition format.
type text struct{ bytes.Buffer }

// header writes a family's HELP and TYPE lines.
func (t *text) header(name, help, kind string) {
	t.WriteString("# HELP ")
	t.WriteString(name)
	t.WriteByte(' ')
	t.escape(help, false)
	t.WriteString("\n# TYPE ")
	t.WriteString(name)
	t.WriteByte(' ')
	t.WriteString(kind)
	t.WriteByte('\n')
}

// sample writes one sample line: its labels in order, then extra (a
// histogram's le or a summary's quantile) when it is not empty.
func (t *text) sample(name string, labels, values []string, extra, extraValue, value string) {
	t.WriteString(name)
	if len(labels) > 0 || extra != "" {
		t.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				t.WriteByte(',')
			}
			t.label(l, values[i])
		}
		if extra != "" {
			if len(labels) > 0 {
				t.WriteByte(',')
			}
			t.label(extra, extraValue)
		}
		t.WriteByte('}')
	}
	t.WriteByte(' ')
	t.WriteString(value)
	t.WriteByte('\n')
}

func (t *text) label(name, value string) {
	t.WriteString(name)
	t.WriteString(`="`)
	t.escape(value, true)
	t.WriteByte('"')
}

// scalar writes a family of one unlabelled sample.
func (t *text) scalar(name, help, kind string, value float64) {
	t.header(name, help, kind)
	t.sample(name, nil, nil, "", "", formatFloat(value))
}

// escape writes s with backslash and newline escaped, and double quotes too
// in a label value; bytes that are not UTF-8, which the format forbids,
// become U+FFFD.
func (t *text) escape(s string, labelValue bool) {
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\':
			t.WriteString(`\\`)
		case r == '\n':
			t.WriteString(`\n`)
		case r == '"' && labelValue:
			t.WriteString(`\"`)
		default:
			t.WriteRune(r)
		}
	}
}

// formatFloat writes a value as Prometheus' clients do: shortest exact
// decimal, and +Inf, -Inf, NaN spelt the format's way.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }
