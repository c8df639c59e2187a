package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress reports a sweep's progress: a redrawn bar on a terminal, plain
// lines every tenth of the way in CI logs.
type progress struct {
	w        io.Writer
	terminal bool
	lastTick int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(done, total, failed int) {
	if p.terminal {
		const width = 30
		filled := width * done / max(total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d runs, %d failed", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, failed)
		return
	}
	if tick := 10 * done / max(total, 1); tick > p.lastTick || done == total {
		p.lastTick = tick
		fmt.Fprintf(p.w, "sweep: %d/%d runs, %d failed\n", done, total, failed)
	}
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}
