package reports

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown renders the report as Markdown.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Title)
	fmt.Fprintf(&b, "%s\n\n", r.Scope)
	fmt.Fprintf(&b, "**%s**: %d runs across %d scenarios, %d failed; %d tolerance breaches.\n\n",
		overall(r), r.Runs, len(r.Scenarios), r.Failed, len(r.Breaches))
	b.WriteString("## Summary\n\nEach value is the worst over the scenario's runs, with its tolerance after the slash.\n\n" +
		"| scenario | verdict | runs | failed | recovery max / tolerance | availability min / tolerance | p99 latency (steady state) / tolerance | p99 under fault | acked lost / tolerance |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.2fs / %s | %.0f%% / %s | %.1fms / %s | %.1fms | %d / 0 |\n", s.Name, strings.ToUpper(s.Verdict),
			s.Runs, s.Failed, s.RecoveryMaxS, tolerance(s.RecoveryBoundS, "%.2fs", 1), s.AvailabilityMin*100, tolerance(s.MinAvailability, "%.0f%%", 100),
			s.Latency.P99, tolerance(s.LatencyP99BoundMs, "%.0fms", 1), s.LatencyUnderFault.P99, s.AckedLost)
	}
	if groups := allFailureGroups(r); len(groups) > 0 {
		b.WriteString("\n## Failing seeds, by scenario and violated invariant\n\n| scenario | invariant | runs | seeds |\n|---|---|---|---|\n")
		for _, g := range groups {
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", g.Scenario, g.Invariant, len(g.Seeds), joinSeeds(g.Seeds))
		}
	}
	b.WriteString("\n## What the numbers mean\n\n")
	for _, d := range Definitions {
		fmt.Fprintf(&b, "- **%s**: %s\n", d.Term, d.Meaning)
	}
	if len(r.Breaches) > 0 {
		b.WriteString("\n## Breaches\n\n")
		for _, br := range r.Breaches {
			fmt.Fprintf(&b, "- %s\n", br)
		}
	}
	for _, s := range r.Scenarios {
		writeScenarioMarkdown(&b, &s)
	}
	if len(r.Trend) > 0 {
		b.WriteString("\n## Trend against the earlier report\n\n| scenario | failed before | failed now | recovery p99 before | now | availability before | now |\n|---|---|---|---|---|---|---|\n")
		for _, t := range r.Trend {
			fmt.Fprintf(&b, "| %s | %d | %d | %.2fs | %.2fs | %.0f%% | %.0f%% |\n", t.Scenario, t.FailedBefore, t.FailedNow,
				t.RecoveryP99Before, t.RecoveryP99Now, t.AvailabilityBefore*100, t.AvailabilityNow*100)
		}
	}
	if len(r.ResultCodes) > 0 {
		fmt.Fprintf(&b, "\n## Ledger result codes reached\n\n%d of %d codes were returned to clients; not reached: %s.\n\n| code | returned |\n|---|---|\n",
			len(r.ResultCodes)-len(r.Unreached()), len(r.ResultCodes), strings.Join(orNone(r.Unreached()), ", "))
		for _, c := range r.ResultCodes {
			fmt.Fprintf(&b, "| %s | %d |\n", c.Code, c.Count)
		}
	}
	b.WriteString("\n## What a simulation cannot show\n\n")
	for _, l := range r.Limits {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	e := r.Evidence
	fmt.Fprintf(&b, "\n## Evidence\n\n- module version: %s\n- VCS revision: %s\n- binary SHA-256: %s\n- generated: %s\n- sources: %s\n",
		e.ModuleVersion, e.Revision, e.BinarySHA256, e.GeneratedAt, strings.Join(e.Sources, ", "))
	b.WriteString("\nTrace digests (SHA-256 of every run's `seed:trace_hash` line, in seed order; every hash is in report.json):\n\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "- %s (%d runs): `%s`\n", s.Name, s.Runs, s.TraceDigest)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeScenarioMarkdown(b *strings.Builder, s *ScenarioReport) {
	fmt.Fprintf(b, "\n## %s: %s\n\n%s. Models: %s.\n\n", s.Name, strings.ToUpper(s.Verdict), s.Summary, s.Models)
	fmt.Fprintf(b, "- seeds %s, %d runs, %d failed\n", s.Seeds, s.Runs, s.Failed)
	fmt.Fprintf(b, "- run charted in the HTML: seed %d. %s\n", s.WorstSeed, s.WorstReason)
	for _, v := range s.Violations {
		fmt.Fprintf(b, "- in seed %d, %s first broke at %.3fs of simulated time\n", s.WorstSeed, v.Invariant, v.AtSeconds)
	}
	fmt.Fprintf(b, "- recovery (RTO, measured): p50 %.3fs, p99 %.3fs, max %.3fs; tolerance %.2fs\n", s.RecoveryP50S, s.RecoveryP99S, s.RecoveryMaxS, s.RecoveryBoundS)
	fmt.Fprintf(b, "- acknowledged transfers lost (RPO): %d; tolerance 0\n", s.AckedLost)
	fmt.Fprintf(b, "- operations whose outcome stayed unknown: %d of %d (%.2f%%; %d answered session-expired after an eviction), resubmitted only under their own IDs\n",
		s.OpsUnknown, s.OpsTotal, s.UnknownShare*100, s.SessionsExpired)
	fmt.Fprintf(b, "- availability: min %.0f%%, mean %.0f%%; tolerance %.0f%%\n", s.AvailabilityMin*100, s.AvailabilityMean*100, s.MinAvailability*100)
	fmt.Fprintf(b, "- latency in steady state (worst run): p50 %.1fms, p99 %.1fms, p999 %.1fms; under fault p50 %.1fms, p99 %.1fms, p999 %.1fms\n",
		s.Latency.P50, s.Latency.P99, s.Latency.P999, s.LatencyUnderFault.P50, s.LatencyUnderFault.P99, s.LatencyUnderFault.P999)
	b.WriteString("- invariants: ")
	for i, name := range sortedNames(s.Invariants) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%s %s", name, statusCounts(s.Invariants[name]))
	}
	b.WriteString("\n")
	if len(s.FaultEffects) > 0 {
		b.WriteString("- faults that took effect, of those applied: ")
		for i, kind := range sortedNames(s.FaultEffects) {
			if i > 0 {
				b.WriteString(", ")
			}
			e := s.FaultEffects[kind]
			fmt.Fprintf(b, "%s %d/%d", kind, e.Effective, e.Applied)
		}
		b.WriteString("\n")
	}
	for _, br := range s.Breaches {
		fmt.Fprintf(b, "- breach: %s\n", br)
	}
	for _, f := range s.FailingSeeds {
		fmt.Fprintf(b, "- failing seed %d (%s): `%s`", f.Seed, strings.Join(f.Invariants, ", "), f.Repro)
		if f.Bundle != "" {
			fmt.Fprintf(b, ", bundle `%s`", f.Bundle)
		}
		if f.BundleLink != "" {
			fmt.Fprintf(b, " ([bundle](%s))", f.BundleLink)
		}
		if f.VisualizationLink != "" {
			fmt.Fprintf(b, " ([linearizability visualization](%s))", f.VisualizationLink)
		}
		if f.ReplayCommand != "" {
			fmt.Fprintf(b, "; replay `%s`, shrink `%s`", f.ReplayCommand, f.ShrinkCommand)
		}
		b.WriteString("\n")
	}
}

// tolerance formats a tolerance scaled by scale, or says none is set.
func tolerance(v float64, format string, scale float64) string {
	if v <= 0 {
		return "none set"
	}
	return fmt.Sprintf(format, v*scale)
}

func joinSeeds(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

func overall(r *Report) string {
	if r.Passed() {
		return "PASS"
	}
	return "FAIL"
}

func statusCounts(m map[string]int) string {
	var parts []string
	for _, st := range []string{"pass", "fail", "unknown"} {
		if m[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[st], st))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slicesSort(out)
	return out
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}
