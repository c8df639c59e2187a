package reports

import (
	"html/template"
	"io"
	"strings"
)

// WriteHTML renders the report as one self-contained HTML page: inline CSS,
// inline SVG charts, no scripts, nothing fetched from the network. The
// summary comes first, for a board member's two minutes; each scenario
// follows on its own page (a page break in print).
func WriteHTML(w io.Writer, r *Report) error {
	return reportTemplate.Execute(w, struct {
		*Report
		Overall     string
		WorstRule   string
		Definitions []Definition
	}{r, overall(r), WorstRunRule, Definitions})
}

// htmlTraceHashesMax caps the trace hashes the page lists per scenario: a
// sweep of a million seeds would otherwise make a page of tens of
// megabytes. The digest covers them all.
const htmlTraceHashesMax = 1000

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":         func(v float64) string { return template.HTMLEscapeString(formatPct(v)) },
	"upper":       strings.ToUpper,
	"chart":       chartOf,
	"groupsOf":    failureGroups,
	"allGroups":   allFailureGroups,
	"inc":         func(i int) int { return i + 1 },
	"seedAnchor":  func(scenario string, seed uint64) string { return sprintf("scenario-%s-seed-%d", scenario, seed) },
	"names":       sortedNames[map[string]int],
	"effectNames": sortedNames[FaultEffects],
	"counts":      statusCounts,
	"join":        strings.Join,
	"shown":       func(hs []SeedHash) []SeedHash { return hs[:min(len(hs), htmlTraceHashesMax)] },
	"hidden":      func(hs []SeedHash) int { return max(len(hs)-htmlTraceHashesMax, 0) },
	"lower":       strings.ToLower,
	"anchor":      func(s string) string { return "scenario-" + s },
}).Parse(reportHTML))

func formatPct(v float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(template.HTMLEscapeString(sprintf("%.1f", v*100)), "0"), ".") + "%"
}
