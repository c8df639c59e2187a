package faults

import "math/rand/v2"

// Partition shapes, as groups of node names for a Partition fault. Each
// draws from rng only, so a seed picks the same shape every time.

// shuffled returns a shuffled copy of nodes.
func shuffled(rng *rand.Rand, nodes []string) []string {
	out := append([]string(nil), nodes...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// IsolateOne cuts one random node off from the rest.
func IsolateOne(rng *rand.Rand, nodes []string) [][]string {
	s := shuffled(rng, nodes)
	return [][]string{s[:1], s[1:]}
}

// MajorityMinority splits the nodes into a minority and a majority.
func MajorityMinority(rng *rand.Rand, nodes []string) [][]string {
	s := shuffled(rng, nodes)
	minority := (len(s) - 1) / 2
	if minority < 1 {
		minority = 1
	}
	return [][]string{s[:minority], s[minority:]}
}

// Bridge splits the nodes into two halves and leaves one node, the bridge,
// in neither: it talks to both sides, which cannot talk to each other.
func Bridge(rng *rand.Rand, nodes []string) [][]string {
	s := shuffled(rng, nodes)
	rest := s[1:]
	half := len(rest) / 2
	return [][]string{rest[:half], rest[half:]}
}

// RegionSplit cuts region cut off from the other regions.
func RegionSplit(regions [][]string, cut int) [][]string {
	var others []string
	for i, r := range regions {
		if i != cut {
			others = append(others, r...)
		}
	}
	return [][]string{append([]string(nil), regions[cut]...), others}
}

// minoritySize is how many nodes a partition leaves without a majority:
// every node outside the largest group.
func minoritySize(groups [][]string, total int) int {
	largest, named := 0, 0
	for _, g := range groups {
		largest = max(largest, len(g))
		named += len(g)
	}
	bridged := total - named // nodes in no group keep every link
	return total - largest - bridged
}
