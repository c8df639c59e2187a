// Package reports holds the result model of runs and sweeps and renders it
// for its readers: JSON lines for machines, JUnit XML for CI systems, and
// Markdown, JSON and self-contained HTML resilience reports for governance
// reviews.
package reports
