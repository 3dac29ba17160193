package config

import (
	"fmt"
	"strings"
)

// closest returns the candidate nearest to word, or "" when none is near
// enough to be a likely typo. Case is ignored.
func closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestDist := "", 1+min(3, 1+len(w)/8)
	for _, c := range candidates {
		if c == word {
			continue
		}
		if d := distance(w, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// suggestKey returns the known key that an unknown key was probably meant to
// be: a near spelling, or else the one key with the same last segment (a
// key written in the wrong section).
func suggestKey(key string, candidates []string) string {
	if s := closest(key, candidates); s != "" {
		return s
	}
	last := key[strings.LastIndex(key, ".")+1:]
	match := ""
	for _, c := range candidates {
		if c[strings.LastIndex(c, ".")+1:] != last {
			continue
		}
		if match != "" {
			return "" // ambiguous
		}
		match = c
	}
	return match
}

// unknownKeyError reports a key that is not in the schema; path is the key
// as written, one segment per level of nesting.
func unknownKeyError(path []string, candidates []string) error {
	key := strings.Join(path, ".")
	if strings.Contains(path[len(path)-1], ".") {
		// YAML does not split "limits.max_depth: 8" into sections.
		return fmt.Errorf("unknown key %q (write dotted keys as nested sections)", key)
	}
	if s := suggestKey(key, candidates); s != "" {
		return fmt.Errorf("unknown key %q (did you mean %q?)", key, s)
	}
	return fmt.Errorf("unknown key %q", key)
}

// distance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent bytes each cost one.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
