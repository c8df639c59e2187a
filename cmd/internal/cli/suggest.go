package cli

import (
	"fmt"
	"strings"
)

// Suggest returns the candidate closest to word, for a "did you mean"
// after a typo: closest by Damerau-Levenshtein distance (the optimal
// string alignment variant: insertions, deletions, substitutions and
// swaps of two neighbours, each one edit), and only if it is close enough
// to be a typo of it rather than another word. Ties go to the earlier
// candidate, so a suggestion never depends on map order.
func Suggest(word string, candidates []string) (string, bool) {
	best, bestDistance := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d <= typoEditsMax(word) && (bestDistance < 0 || d < bestDistance) {
			best, bestDistance = c, d
		}
	}
	return best, bestDistance >= 0
}

// typoEditsMax is how many edits a typo of word may have: one per three
// runes, at least one. "swep" -> "sweep" (1 of 1), "leader-crsh" ->
// "leader-crash" (1 of 3); "run" is not a typo of "trace" (4 edits).
func typoEditsMax(word string) int { return max(1, len([]rune(word))/3) }

// DidYouMean is ` (did you mean "sweep"?)` for the candidate Suggest
// finds for word, or "" when none is close.
func DidYouMean(word string, candidates []string) string {
	if s, ok := Suggest(word, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// editDistance is the optimal string alignment distance between a and b,
// over runes. Names here are short, so the full table costs nothing.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
