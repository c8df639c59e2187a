package replica

import "testing"

// BenchmarkWALAppend measures the hot path: batches of 64 entries of about
// 200 bytes, appended and synced, on the simulated disk. The simulated
// fsync costs no time, so this measures the WAL's own CPU and allocation
// cost (encoding, checksums, the ack mark), not a device. ns/op is per
// batch of 64.
func BenchmarkWALAppend(b *testing.B) {
	const batch = 64
	const resetEvery = 1 << 16 // entries: keep the simulated disk's memory bounded
	data := make([]byte, 200)
	for i := range data {
		data[i] = byte(i)
	}
	es := make([]Entry, batch)
	var w *WAL
	next := uint64(0)
	reset := func() {
		b.StopTimer()
		w, _ = newWALSim(b, 1).open(b, WALOptions{})
		next = 1
		b.StartTimer()
	}
	reset()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if next > resetEvery {
			reset()
		}
		for i := range es {
			es[i] = Entry{Term: 1, Index: next + uint64(i), Kind: EntryCommand, Timestamp: int64(next), Data: data}
		}
		if err := w.Append(es); err != nil {
			b.Fatal(err)
		}
		if err := w.Sync(); err != nil {
			b.Fatal(err)
		}
		next += batch
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}
