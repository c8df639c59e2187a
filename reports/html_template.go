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
.chart .axis { stroke: #9aa3b5; } .chart .tick, .chart .label { font-size: 11px; fill: #5b6478; }
.legend span { margin-right: 16px; font-size: 13px; } .sw { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; border-radius: 2px; }
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
<tr><th>scenario</th><th>verdict</th><th>runs</th><th>failed</th><th>recovery max (tolerance)</th><th>availability min (tolerance)</th><th>p99 latency</th><th>acked lost</th></tr>
{{range .Scenarios}}<tr><td><a href="#{{anchor .Name}}">{{.Name}}</a></td><td><span class="verdict {{.Verdict}}">{{upper .Verdict}}</span></td><td>{{.Runs}}</td><td>{{.Failed}}</td>
<td>{{printf "%.2f" .RecoveryMaxS}}s ({{printf "%.2f" .RecoveryBoundS}}s)</td><td>{{pct .AvailabilityMin}} ({{pct .MinAvailability}})</td><td>{{printf "%.1f" .Latency.P99}}ms</td><td>{{.AckedLost}}</td></tr>
{{end}}</table>
{{if .Breaches}}<h2>Breaches</h2><ul>{{range .Breaches}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Trend}}<h2>Trend against the earlier report</h2>
<table><tr><th>scenario</th><th>failed before</th><th>failed now</th><th>recovery p99 before</th><th>now</th><th>availability before</th><th>now</th></tr>
{{range .Trend}}<tr><td>{{.Scenario}}</td><td>{{.FailedBefore}}</td><td>{{.FailedNow}}</td><td>{{printf "%.2f" .RecoveryP99Before}}s</td><td>{{printf "%.2f" .RecoveryP99Now}}s</td><td>{{pct .AvailabilityBefore}}</td><td>{{pct .AvailabilityNow}}</td></tr>{{end}}
</table>{{end}}
<nav>{{range .Scenarios}}<a href="#{{anchor .Name}}">{{.Name}}</a>{{end}}</nav>
</section>
{{range .Scenarios}}
<section id="{{anchor .Name}}">
<h2>{{.Name}} <span class="verdict {{.Verdict}}">{{upper .Verdict}}</span></h2>
<p>{{.Summary}}. <span class="muted">Models: {{.Models}}.</span></p>
<div class="legend"><span><i class="sw" style="background:#5b8def"></i>completed requests per second</span><span><i class="sw" style="background:#e07a10"></i>p99 latency</span><span><i class="sw" style="background:#f6c7c7"></i>fault active</span></div>
{{chart .Timeline .FaultSpans}}
<p class="muted">Timeline of the first seed's run, in simulated time.</p>
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
{{if .FailingSeeds}}<p><b>Failing seeds:</b></p><ul>{{range .FailingSeeds}}<li>seed {{.Seed}} ({{join .Invariants ", "}}): <code>{{.Repro}}</code>{{if .Bundle}}, bundle <code>{{.Bundle}}</code>{{end}}</li>{{end}}</ul>{{end}}
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
