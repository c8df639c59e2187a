package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Chart geometry, in SVG user units: a title and a legend on top, three
// lanes of fault labels, the plot, and the time axis below it.
const (
	chartWidth    = 880.0
	chartHeight   = 360.0
	padLeft       = 70.0
	padRight      = 70.0
	padTop        = 96.0 // title, legend and fault-label lanes above the plot
	padBottom     = 52.0 // tick labels and the axis title below it
	faultLanes    = 3
	faultLaneTop  = 52.0
	faultLaneStep = 13.0
	faultLabelMax = 34 // characters of a fault's description drawn on its band
	yTicksWanted  = 5
	xTicksWanted  = 10
	tickLength    = 5.0
)

// timeline is what one chart draws: a run's windows, its faults, and the
// moments its invariants broke.
type timeline struct {
	Scenario   string
	Seed       uint64
	Points     []TimelinePoint
	Spans      []FaultSpan
	Violations []ViolationMark
}

// chartScales map values to the plot.
type chartScales struct {
	end, opsMax, p99Max float64
}

func (c chartScales) x(t float64) float64 {
	return padLeft + (chartWidth-padLeft-padRight)*t/c.end
}
func (c chartScales) yOps(v float64) float64 { return plotBottom() - plotHeight()*v/c.opsMax }
func (c chartScales) yP99(v float64) float64 { return plotBottom() - plotHeight()*v/c.p99Max }
func plotBottom() float64                    { return chartHeight - padBottom }
func plotHeight() float64                    { return chartHeight - padTop - padBottom }

// timelineChart draws a run's throughput (bars, left axis) and p99
// latency (line, right axis) over simulated time, with each fault as a
// labelled band and each invariant's first violation as a marked line. It
// is inline SVG: the report needs no scripts and no network.
func timelineChart(tl timeline) template.HTML {
	if len(tl.Points) == 0 {
		return template.HTML(`<p class="muted no-timeline">No timeline recorded for this run.</p>`)
	}
	c := scalesFor(tl)
	var b strings.Builder
	id := html.EscapeString(fmt.Sprintf("chart-%s-seed-%d", tl.Scenario, tl.Seed))
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s">`, chartWidth, chartHeight, id)
	fmt.Fprintf(&b, `<text class="chart-title" id="%s" x="%.0f" y="18">Seed %d: throughput and p99 latency over simulated time (%s ms windows)</text>`,
		id, padLeft, tl.Seed, trimFloat(tl.Points[0].Width()*1000))
	legend(&b)
	faultBands(&b, c, tl.Spans)
	bars(&b, c, tl.Points)
	p99Line(&b, c, tl.Points)
	axes(&b, c)
	violationMarks(&b, c, tl.Violations)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

func scalesFor(tl timeline) chartScales {
	last := tl.Points[len(tl.Points)-1]
	end := last.AtSeconds + last.Width()
	for _, s := range tl.Spans {
		end = max(end, s.EndSeconds)
	}
	for _, v := range tl.Violations {
		end = max(end, v.AtSeconds)
	}
	opsMax, p99Max := 1.0, 1.0
	for _, p := range tl.Points {
		opsMax, p99Max = max(opsMax, p.OpsPerSecond), max(p99Max, p.P99Ms)
	}
	return chartScales{end: niceCeil(end, xTicksWanted), opsMax: niceCeil(opsMax, yTicksWanted), p99Max: niceCeil(p99Max, yTicksWanted)}
}

func legend(b *strings.Builder) {
	items := []struct{ class, label string }{
		{"ops", "throughput: requests completed per second (left axis)"},
		{"p99-key", "p99 latency (right axis)"},
		{"fault", "fault active"},
		{"violation-key", "invariant first broke"},
	}
	x := padLeft
	for _, it := range items {
		fmt.Fprintf(b, `<rect class="%s" x="%.0f" y="30" width="12" height="10"/><text class="legend-text" x="%.0f" y="39">%s</text>`,
			it.class, x, x+16, it.label)
		x += 24 + 5.6*float64(len(it.label))
	}
}

// faultBands shades each fault's span and writes its description above
// the plot, numbered, in one of three lanes so that neighbours overlap
// less; the full description is in the band's tooltip and the table
// under the chart.
func faultBands(b *strings.Builder, c chartScales, spans []FaultSpan) {
	for i, s := range spans {
		x0, x1 := c.x(s.StartSeconds), c.x(s.EndSeconds)
		desc := html.EscapeString(s.Description)
		fmt.Fprintf(b, `<rect class="fault" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>F%d: %s (%.2fs to %.2fs)</title></rect>`,
			x0, padTop, max(x1-x0, 1.5), plotHeight(), i+1, desc, s.StartSeconds, s.EndSeconds)
		y := faultLaneTop + faultLaneStep*float64(i%faultLanes)
		fmt.Fprintf(b, `<line class="fault-tick" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, y+2, x0, padTop)
		anchor, tx := "start", x0+2
		if x0 > chartWidth-padRight-150 {
			anchor, tx = "end", x0-2
		}
		fmt.Fprintf(b, `<text class="fault-label" x="%.1f" y="%.1f" text-anchor="%s">F%d: %s</text>`,
			tx, y, anchor, i+1, html.EscapeString(shorten(s.Description, faultLabelMax)))
	}
}

func bars(b *strings.Builder, c chartScales, points []TimelinePoint) {
	for _, p := range points {
		x0, x1 := c.x(p.AtSeconds), c.x(p.AtSeconds+p.Width())
		gap := (x1 - x0) * 0.1
		fmt.Fprintf(b, `<rect class="ops" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%ss to %ss: %s ops/s, p99 %sms</title></rect>`,
			x0+gap, c.yOps(p.OpsPerSecond), max(x1-x0-2*gap, 0.5), plotBottom()-c.yOps(p.OpsPerSecond),
			trimFloat(p.AtSeconds), trimFloat(p.AtSeconds+p.Width()), trimFloat(p.OpsPerSecond), trimFloat(p.P99Ms))
	}
}

// p99Line joins the windows' p99 latencies, broken where a window
// completed nothing: there is no latency there, not a latency of zero.
func p99Line(b *strings.Builder, c chartScales, points []TimelinePoint) {
	var path strings.Builder
	pen := "M"
	for _, p := range points {
		if p.OpsPerSecond == 0 {
			pen = "M"
			continue
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", pen, c.x(p.AtSeconds+p.Width()/2), c.yP99(p.P99Ms))
		pen = "L"
	}
	fmt.Fprintf(b, `<path class="p99" d="%s"/>`, strings.TrimSpace(path.String()))
}

// axes draws the time axis below and the two value axes, each with ticks,
// tick labels and a title with its unit.
func axes(b *strings.Builder, c chartScales) {
	left, right, bottom, top := padLeft, chartWidth-padRight, plotBottom(), padTop
	fmt.Fprintf(b, `<g class="x-axis"><line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, bottom, right, bottom)
	for _, t := range ticks(c.end, xTicksWanted) {
		fmt.Fprintf(b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`,
			c.x(t), bottom, c.x(t), bottom+tickLength, c.x(t), bottom+18, trimFloat(t))
	}
	fmt.Fprintf(b, `<text class="axis-title" x="%.1f" y="%.1f" text-anchor="middle">simulated time (s)</text></g>`, (left+right)/2, bottom+40)
	fmt.Fprintf(b, `<g class="y-axis-ops"><line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, left, top, left, bottom)
	for _, v := range ticks(c.opsMax, yTicksWanted) {
		y := c.yOps(v)
		fmt.Fprintf(b, `<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
			left, y, right, y, left-tickLength, y, left, y, left-8, y+4, trimFloat(v))
	}
	fmt.Fprintf(b, `<text class="axis-title ops-title" transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">throughput (ops/s)</text></g>`, (top+bottom)/2)
	fmt.Fprintf(b, `<g class="y-axis-p99"><line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, right, top, right, bottom)
	for _, v := range ticks(c.p99Max, yTicksWanted) {
		y := c.yP99(v)
		fmt.Fprintf(b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="tick" x="%.1f" y="%.1f" text-anchor="start">%s</text>`,
			right, y, right+tickLength, y, right+8, y+4, trimFloat(v))
	}
	fmt.Fprintf(b, `<text class="axis-title p99-title" transform="translate(%.1f %.1f) rotate(90)" text-anchor="middle">p99 latency (ms)</text></g>`,
		chartWidth-14, (top+bottom)/2)
}

// violationMarks draws a dashed line where each invariant first broke,
// labelled with its name and time.
func violationMarks(b *strings.Builder, c chartScales, marks []ViolationMark) {
	for i, m := range marks {
		x := c.x(m.AtSeconds)
		anchor, tx := "start", x+3
		if x > chartWidth-padRight-180 {
			anchor, tx = "end", x-3
		}
		fmt.Fprintf(b, `<g class="violation"><line class="violation-line" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="violation-label" x="%.1f" y="%.1f" text-anchor="%s">✕ %s broke at %ss</text></g>`,
			x, padTop, x, plotBottom(), tx, padTop+12+12*float64(i%4), anchor, html.EscapeString(m.Invariant), trimFloat(m.AtSeconds))
	}
}

// niceCeil rounds v up to a whole number of the tick step for about n
// ticks.
func niceCeil(v float64, n int) float64 {
	step := niceStep(v, n)
	return math.Ceil(v/step-1e-9) * step
}

// niceStep is 1, 2 or 5 times a power of ten, giving about n steps to v.
func niceStep(v float64, n int) float64 {
	if v <= 0 {
		return 1
	}
	raw := v / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// ticks are the multiples of the nice step from zero to top.
func ticks(top float64, n int) []float64 {
	step := niceStep(top, n)
	var out []float64
	for i := 0; float64(i)*step <= top*(1+1e-9); i++ {
		out = append(out, float64(i)*step)
	}
	return out
}

// trimFloat prints v with at most three decimals and no trailing zeros.
func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
