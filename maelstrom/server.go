package maelstrom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// Server is the process shell around a Node: it reads Maelstrom messages
// from stdin itself (see Run) and hands every one to one event loop
// goroutine, in arrival order, which runs the node; the node's timers are
// Go timers whose expiries join the same loop, its clocks are the real
// ones, its storage files under the data directory (or memory), and what
// it sends goes to stdout. Everything the node decides, it decides in the
// Node, which a simulator runs too.
type Server struct {
	in      io.Reader
	wire    *wire
	events  chan func()
	start   time.Time
	lineMax int
	dataDir string
	node    *Node

	// Owned by the event loop.
	rng    *rand.Rand
	timers map[TimerID]*time.Timer
	nextID TimerID
}

// Options adjust a Server.
type Options struct {
	// Tune, if set, adjusts the replica's config.
	Tune func(*replica.Config)
	// DataDir, if set, keeps the replica's WAL and snapshots in files
	// under DataDir/<node_id> (see OpenDataDir), so that a node killed and restarted on the same
	// directory recovers what it acknowledged. Empty keeps them in memory:
	// a restarted node comes back blank.
	DataDir string
	// Stdin and Stdout default to the process's.
	Stdin  io.Reader
	Stdout io.Writer
}

// NewServer builds a server; Run serves.
func NewServer(opts Options) *Server {
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	cfg := replica.DefaultConfig()
	if opts.Tune != nil {
		opts.Tune(&cfg)
	}
	now := time.Now()
	// Seeded by the clock and the process: nodes started in the same
	// nanosecond still draw apart.
	s := &Server{in: opts.Stdin, wire: newWire(opts.Stdout), events: make(chan func(), 1024), start: now,
		lineMax: lineBytesMax(cfg), dataDir: opts.DataDir,
		rng:    rand.New(rand.NewPCG(uint64(now.UnixNano()), uint64(os.Getpid()))),
		timers: make(map[TimerID]*time.Timer)}
	s.node = NewNode(shellHost{s}, NodeOptions{Tune: opts.Tune})
	go s.loop()
	return s
}

// Run serves until stdin closes. It reads lines of any length up to the
// largest message a node sends (lineBytesMax); nothing a peer or client
// sends stops it (see Node.Handle).
func (s *Server) Run() error {
	r := bufio.NewReaderSize(s.in, 64<<10)
	for {
		line, n, oversized, err := readLine(r, s.lineMax)
		switch {
		case oversized:
			s.logf("skipped a line of %d bytes: over the %d-byte cap", n, s.lineMax)
		case len(bytes.TrimSpace(line)) > 0:
			line = bytes.TrimSpace(line) // a fresh slice each line: the loop may keep it
			s.do(func() { s.node.Handle(line) })
		}
		if errors.Is(err, io.EOF) {
			s.sync()
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}

// sync waits until the event loop has run everything queued before it.
func (s *Server) sync() {
	done := make(chan struct{})
	s.do(func() { close(done) })
	<-done
}

func (s *Server) loop() {
	for fn := range s.events {
		fn()
	}
}

// do runs fn on the event loop. Only other goroutines may call it.
func (s *Server) do(fn func()) { s.events <- fn }

// logf writes a diagnostic line to stderr (Maelstrom keeps it per node).
func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// openStorage returns the replica's disk: files in the data directory, or
// memory when there is none.
func (s *Server) openStorage(ids []string, self string) (replica.Disk, error) {
	if s.dataDir == "" {
		return NewMemDisk(), nil
	}
	if err := checkName(self); err != nil {
		return nil, fmt.Errorf("node_id %q cannot name a directory", self)
	}
	// One directory per node under the data directory: Maelstrom starts
	// every node with the same arguments, and the node learns its ID here.
	return OpenDataDir(filepath.Join(s.dataDir, self), self, ids)
}

// configureStorage is the one place that sets what the replica must know
// about how long its storage lives. With a data directory (volatile
// false) the WAL and snapshots survive a kill and the replica recovers
// them. Without one, a restarted node comes back blank, having perhaps
// voted and acknowledged entries in its earlier life, so it abstains
// (replica.Config.AbstainUntilCaughtUp) and a new cluster bootstraps by
// the lowest ID with every replica's grant (BootstrapLowestID).
func configureStorage(cfg *replica.Config, volatile bool) {
	if !volatile {
		return
	}
	// Every start may be a restart that forgot its votes and acks: abstain
	// until a leader has caught this replica up. Peers are the indices of
	// init's node_ids, the same list on every node, so all agree that the
	// first is the bootstrap replica, which alone may win term 1, and only
	// with every replica blank.
	cfg.AbstainUntilCaughtUp = true
	cfg.BootstrapLowestID = true
}

// shellHost is the node's Host in a process: the real clocks, Go timers
// whose expiries run on the event loop, stdout and stderr. The node calls
// it on the event loop only.
type shellHost struct{ s *Server }

func (h shellHost) WallTime() int64          { return time.Now().UnixNano() }
func (h shellHost) Monotonic() time.Duration { return time.Since(h.s.start) }
func (h shellHost) Rand() *rand.Rand         { return h.s.rng }
func (h shellHost) Log(note string)          { h.s.logf("%s", note) }

func (h shellHost) OpenDisk(self string, ids []string) (replica.Disk, bool, error) {
	disk, err := h.s.openStorage(ids, self)
	return disk, h.s.dataDir == "", err
}

// Send writes the line to stdout; a node whose stdout is gone has no one
// to tell but stderr.
func (h shellHost) Send(_ string, line []byte) {
	if err := h.s.wire.writeLine(line); err != nil {
		h.s.logf("send: %v", err)
	}
}

func (h shellHost) SetTimer(d time.Duration, tag uint64) TimerID {
	s := h.s
	s.nextID++
	id := s.nextID
	s.timers[id] = time.AfterFunc(d, func() {
		s.do(func() {
			if _, live := s.timers[id]; live {
				delete(s.timers, id)
				s.node.Timer(tag)
			}
		})
	})
	return id
}

func (h shellHost) CancelTimer(id TimerID) bool {
	t, ok := h.s.timers[id]
	if ok {
		t.Stop()
		delete(h.s.timers, id)
	}
	return ok
}
