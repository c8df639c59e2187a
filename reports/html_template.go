package reports

import "fmt"

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

const reportHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 0; background: #f6f7f9; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
section { background: #fff; border: 1px solid #dfe3ea; border-radius: 8px; padding: 20px 24px; margin: 20px 0; page-break-before: always; }
section.summary { page-break-before: auto; }
h1 { font-size: 26px; margin: 8px 0; } h2 { font-size: 20px; margin: 4px 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceff4; font-variant-numeric: tabular-nums; }
th { font-size: 13px; color: #5b6478; font-weight: 600; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 700; font-size: 13px; }
.pass { background: #dff5e1; color: #17612a; } .fail { background: #fde2e2; color: #8a1c1c; }
.big { font-size: 18px; } .muted { color: #6b7385; } code { background: #f1f3f6; padding: 1px 4px; border-radius: 4px; }
.chart { width: 100%; height: auto; background: #fbfcfd; border: 1px solid #eceff4; border-radius: 6px; }
.chart .fault { fill: #f6c7c7; opacity: 0.55; } .chart .ops { fill: #5b8def; } .chart .p99 { fill: none; stroke: #e07a10; stroke-width: 2; }
.chart .p99-key { fill: #e07a10; } .chart .violation-key { fill: #c0182a; }
.chart .axis { stroke: #9aa3b5; } .chart .grid { stroke: #eceff4; } .chart .tick { font-size: 11px; fill: #5b6478; }
.chart .axis-title { font-size: 12px; fill: #1d2330; font-weight: 600; } .chart .chart-title { font-size: 14px; font-weight: 700; fill: #1d2330; }
.chart .legend-text, .chart .fault-label { font-size: 11px; fill: #1d2330; } .chart .fault-tick { stroke: #d98c8c; stroke-dasharray: 2 2; }
.chart .violation-line { stroke: #c0182a; stroke-width: 2; stroke-dasharray: 5 3; } .chart .violation-label { font-size: 11px; font-weight: 700; fill: #c0182a; }
dl.defs dt { font-weight: 600; margin-top: 6px; } dl.defs dd { margin: 0 0 0 16px; color: #374055; }
.why { background: #f4f6fb; border-left: 3px solid #5b8def; padding: 6px 10px; }
pre.cmds { background: #f1f3f6; padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; font-size: 13px; margin: 4px 0; }
nav a { margin-right: 10px; font-size: 13px; }
</style>
</head>
<body>
<main>
<section class="summary" id="summary">
<h1>{{.Title}}</h1>
<p class="big"><span class="verdict {{lower .Overall}}">{{.Overall}}</span>
{{.Runs}} simulated runs across {{len .Scenarios}} scenarios; {{.Failed}} failed; {{len .Breaches}} impact-tolerance breaches.</p>
<p class="muted">{{.Scope}}</p>
<h2>Impact tolerances, scenario by scenario</h2>
<table>
<p class="muted">Each cell is the measured value, worst over the scenario's runs, with its tolerance in brackets; a value beyond its tolerance is a breach.</p>
<table class="tolerances">
<tr><th>scenario</th><th>verdict</th><th>runs</th><th>failed</th><th>recovery time, max (tolerance)</th><th>availability, min (tolerance)</th><th>p99 latency, steady state (tolerance)</th><th>p99 under fault</th><th>acknowledged transfers lost (tolerance)</th><th>outcome unknown</th></tr>
{{range .Scenarios}}<tr><td><a href="#{{anchor .Name}}">{{.Name}}</a></td><td><span class="verdict {{.Verdict}}">{{upper .Verdict}}</span></td><td>{{.Runs}}</td><td>{{.Failed}}</td>
<td>{{printf "%.2f" .RecoveryMaxS}}s ({{if gt .RecoveryBoundS 0.0}}{{printf "%.2f" .RecoveryBoundS}}s{{else}}none set{{end}})</td><td>{{pct .AvailabilityMin}} ({{if gt .MinAvailability 0.0}}{{pct .MinAvailability}}{{else}}none set{{end}})</td>
<td class="p99-cell">{{printf "%.1f" .Latency.P99}}ms ({{if gt .LatencyP99BoundMs 0.0}}{{printf "%.0f" .LatencyP99BoundMs}}ms{{else}}none set{{end}})</td><td>{{printf "%.1f" .LatencyUnderFault.P99}}ms</td><td>{{.AckedLost}} (0)</td><td>{{pct .UnknownShare}}</td></tr>
{{end}}</table>
{{if .Breaches}}<h2>Breaches</h2><ul>{{range .Breaches}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Trend}}<h2>Trend against the earlier report</h2>
<table><tr><th>scenario</th><th>failed before</th><th>failed now</th><th>recovery p99 before</th><th>now</th><th>availability before</th><th>now</th></tr>
{{range .Trend}}<tr><td>{{.Scenario}}</td><td>{{.FailedBefore}}</td><td>{{.FailedNow}}</td><td>{{printf "%.2f" .RecoveryP99Before}}s</td><td>{{printf "%.2f" .RecoveryP99Now}}s</td><td>{{pct .AvailabilityBefore}}</td><td>{{pct .AvailabilityNow}}</td></tr>{{end}}
</table>{{end}}
{{with allGroups .Report}}<h2 id="failing-seeds">Failing seeds, by scenario and violated invariant</h2>
<table><tr><th>scenario</th><th>invariant broken</th><th>runs</th><th>seeds (details, bundle and commands on the scenario's page)</th></tr>
{{range .}}<tr><td><a href="#{{anchor .Scenario}}">{{.Scenario}}</a></td><td>{{.Invariant}}</td><td>{{len .Seeds}}</td><td>{{$sc := .Scenario}}{{range $i, $s := .Seeds}}{{if $i}}, {{end}}<a href="#{{seedAnchor $sc $s}}">{{$s}}</a>{{end}}</td></tr>
{{end}}</table>{{end}}
<nav>{{range .Scenarios}}<a href="#{{anchor .Name}}">{{.Name}}</a>{{end}} <a href="#definitions">what the numbers mean</a></nav>
</section>
<section id="definitions" class="definitions">
<h2>What the numbers mean</h2>
<dl class="defs">{{range .Definitions}}<dt>{{.Term}}</dt><dd>{{.Meaning}}</dd>{{end}}</dl>
</section>
{{range .Scenarios}}
<section id="{{anchor .Name}}">
<h2>{{.Name}} <span class="verdict {{.Verdict}}">{{upper .Verdict}}</span></h2>
<p>{{.Summary}}. <span class="muted">Models: {{.Models}}.</span></p>
<p class="why"><b>Run shown: seed {{.WorstSeed}}.</b> {{.WorstReason}} <span class="muted">{{$.WorstRule}}</span></p>
{{chart .}}
{{if .ViolatedUntimed}}<p class="untimed">Also broken in this run, judged on the whole run after it ended (so with no single moment to mark): {{join .ViolatedUntimed ", "}}.</p>{{end}}
{{if .FaultSpans}}<table class="faults"><tr><th>fault</th><th>what</th><th>from</th><th>to</th></tr>{{range $i, $f := .FaultSpans}}<tr><td>F{{inc $i}}</td><td>{{$f.Description}}</td><td>{{printf "%.2f" $f.StartSeconds}}s</td><td>{{printf "%.2f" $f.EndSeconds}}s</td></tr>{{end}}</table>{{else}}<p class="muted">No fault was active in this run.</p>{{end}}
<table>
<tr><th>seeds</th><td>{{.Seeds}} ({{.Runs}} runs, {{.Failed}} failed)</td></tr>
<tr><th>time to recover (RTO, measured)</th><td>p50 {{printf "%.3f" .RecoveryP50S}}s, p99 {{printf "%.3f" .RecoveryP99S}}s, max {{printf "%.3f" .RecoveryMaxS}}s; tolerance {{printf "%.2f" .RecoveryBoundS}}s</td></tr>
<tr><th>acknowledged data lost (RPO)</th><td>{{.AckedLost}} transfers; tolerance zero</td></tr>
<tr><th>outcome unknown</th><td>{{.OpsUnknown}} of {{.OpsTotal}} operations ({{pct .UnknownShare}}; {{.SessionsExpired}} answered session-expired after an eviction)</td></tr>
<tr><th>availability</th><td>min {{pct .AvailabilityMin}}, mean {{pct .AvailabilityMean}}; tolerance {{pct .MinAvailability}}</td></tr>
<tr><th>latency in steady state</th><td>p50 {{printf "%.1f" .Latency.P50}}ms, p99 {{printf "%.1f" .Latency.P99}}ms, p999 {{printf "%.1f" .Latency.P999}}ms</td></tr>
<tr><th>latency under fault</th><td>p50 {{printf "%.1f" .LatencyUnderFault.P50}}ms, p99 {{printf "%.1f" .LatencyUnderFault.P99}}ms, p999 {{printf "%.1f" .LatencyUnderFault.P999}}ms</td></tr>
<tr><th>invariants</th><td>{{$inv := .Invariants}}{{range names .Invariants}}{{.}} {{counts (index $inv .)}}<br>{{end}}</td></tr>
{{if .FaultEffects}}<tr><th>faults that took effect / applied</th><td>{{$fe := .FaultEffects}}{{range effectNames .FaultEffects}}{{.}} {{(index $fe .).Effective}}/{{(index $fe .).Applied}}<br>{{end}}</td></tr>{{end}}
</table>
{{if .Breaches}}<p><b>Breaches:</b></p><ul>{{range .Breaches}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .FailingSeeds}}<h3>Failing seeds</h3>
<ul>{{$sc := .Name}}{{range groupsOf .}}<li><b>{{.Invariant}}</b> broke in {{len .Seeds}} run{{if gt (len .Seeds) 1}}s{{end}}: {{range $i, $s := .Seeds}}{{if $i}}, {{end}}<a href="#{{seedAnchor $sc $s}}">seed {{$s}}</a>{{end}}</li>{{end}}</ul>
{{range .FailingSeeds}}<div class="failing-seed" id="{{seedAnchor $sc .Seed}}"><p><b>Seed {{.Seed}}</b> ({{join .Invariants ", "}}){{if .BundleLink}}: <a class="bundle-link" href="{{.BundleLink}}">failure bundle</a>{{end}}{{if .VisualizationLink}}, <a class="visualization-link" href="{{.VisualizationLink}}">linearizability visualization (Porcupine)</a>{{end}}{{if and .Bundle (not .BundleLink)}} <span class="muted">(bundle {{.Bundle}} was not found beside the results)</span>{{end}}</p>
<p class="muted">Next: run the first command to see the failure again; with a bundle, replay it exactly, then shrink it to the fewest faults that still break it.</p>
<pre class="cmds">{{if .Repro}}{{.Repro}}{{end}}{{if .ReplayCommand}}
{{.ReplayCommand}}
{{.ShrinkCommand}}{{end}}</pre></div>{{end}}{{end}}
</section>
{{end}}
{{if .ResultCodes}}<section id="result-codes">
<h2>Ledger result codes reached</h2>
<p>Every code the ledger can return, with how often clients were told it over all runs; a zero is a path of the ledger no run exercised. Not reached: {{range $i, $c := .Unreached}}{{if $i}}, {{end}}{{$c}}{{else}}none{{end}}.</p>
<table><tr><th>code</th><th>returned</th></tr>{{range .ResultCodes}}<tr><td>{{.Code}}</td><td>{{.Count}}</td></tr>{{end}}</table>
</section>{{end}}
<section id="limits">
<h2>What a simulation cannot show</h2>
<ul>{{range .Limits}}<li>{{.}}</li>{{end}}</ul>
</section>
<section id="evidence">
<h2>Evidence</h2>
<table>
<tr><th>module version</th><td>{{.Evidence.ModuleVersion}}</td></tr>
<tr><th>VCS revision</th><td><code>{{.Evidence.Revision}}</code></td></tr>
<tr><th>binary SHA-256</th><td><code>{{.Evidence.BinarySHA256}}</code></td></tr>
<tr><th>generated</th><td>{{.Evidence.GeneratedAt}}</td></tr>
<tr><th>results</th><td>{{join .Evidence.Sources ", "}}</td></tr>
</table>
<p class="muted">Trace hashes of the runs, by scenario and seed: the same seed and binary reproduce each exactly. The digest is the SHA-256 of every run's <code>seed:trace_hash</code> line in seed order; report.json and results.jsonl hold every hash.</p>
{{range .Scenarios}}<details><summary>{{.Name}} ({{len .TraceHashes}} runs, digest <code>{{.TraceDigest}}</code>)</summary><p><code>{{range shown .TraceHashes}}{{.Seed}}:{{.Hash}} {{end}}</code>{{with hidden .TraceHashes}} and {{.}} more{{end}}</p></details>{{end}}
</section>
</main>
</body>
</html>
`
