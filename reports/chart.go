package reports

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 760.0
	chartHeight = 220.0
	padLeft     = 56.0
	padRight    = 56.0
	padTop      = 16.0
	padBottom   = 30.0
)

// timelineChart draws a run's throughput (bars) and p99 latency (line)
// over simulated time, with the faults as shaded spans beneath. It is
// inline SVG: the report needs no scripts and no network.
func timelineChart(points []TimelinePoint, spans []FaultSpan) template.HTML {
	if len(points) == 0 {
		return template.HTML(`<p class="muted">No timeline recorded.</p>`)
	}
	end := points[len(points)-1].AtSeconds + 1
	for _, s := range spans {
		end = max(end, s.EndSeconds)
	}
	maxOps, maxP99 := 1.0, 1.0
	for _, p := range points {
		maxOps, maxP99 = max(maxOps, p.OpsPerSecond), max(maxP99, p.P99Ms)
	}
	plotW, plotH := chartWidth-padLeft-padRight, chartHeight-padTop-padBottom
	x := func(t float64) float64 { return padLeft + plotW*t/end }
	yOps := func(v float64) float64 { return padTop + plotH*(1-v/maxOps) }
	yLat := func(v float64) float64 { return padTop + plotH*(1-v/maxP99) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="throughput and latency over time">`, chartWidth, chartHeight)
	for _, s := range spans {
		fmt.Fprintf(&b, `<rect class="fault" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s (%.2fs-%.2fs)</title></rect>`,
			x(s.StartSeconds), padTop, max(x(s.EndSeconds)-x(s.StartSeconds), 1.5), plotH, html.EscapeString(s.Description), s.StartSeconds, s.EndSeconds)
	}
	barW := plotW / end * 0.8
	for _, p := range points {
		fmt.Fprintf(&b, `<rect class="ops" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%.0fs: %.0f ops/s</title></rect>`,
			x(p.AtSeconds)+barW*0.1, yOps(p.OpsPerSecond), barW, padTop+plotH-yOps(p.OpsPerSecond), p.AtSeconds, p.OpsPerSecond)
	}
	var path strings.Builder
	for i, p := range points {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(p.AtSeconds+0.5), yLat(p.P99Ms))
	}
	fmt.Fprintf(&b, `<path class="p99" d="%s"/>`, strings.TrimSpace(path.String()))
	axes(&b, end, maxOps, maxP99, x)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

func axes(b *strings.Builder, end, maxOps, maxP99 float64, x func(float64) float64) {
	bottom := chartHeight - padBottom
	fmt.Fprintf(b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, padLeft, bottom, chartWidth-padRight, bottom)
	for t := 0.0; t <= end; t += max(1, float64(int(end/10))) {
		fmt.Fprintf(b, `<text class="tick" x="%.1f" y="%.1f">%.0fs</text>`, x(t), bottom+16, t)
	}
	fmt.Fprintf(b, `<text class="label ops-label" x="4" y="%.1f">%.0f ops/s</text>`, padTop+10, maxOps)
	fmt.Fprintf(b, `<text class="label p99-label" x="%.1f" y="%.1f" text-anchor="end">p99 %.0fms</text>`, chartWidth-4, padTop+10, maxP99)
}
