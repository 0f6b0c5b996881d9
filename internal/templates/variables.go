package templates

import (
	"regexp"
	"strconv"
)

// placeholder matches anything written as a variable, so a malformed one
// ({{name}}, {{ 1 }}, {{0}}) is reported rather than sent as text.
var placeholder = regexp.MustCompile(`\{\{([^{}]*)\}\}`)

// positional is how a variable must be written: {{1}}, {{2}} …
var positional = regexp.MustCompile(`^[1-9][0-9]{0,2}$`)

// variable is one placeholder in a text.
type variable struct {
	// N is the variable's number (0 when it is not written {{n}}).
	N    int
	Text string
	// End is the offset just past the placeholder.
	End int
}

// variables lists the placeholders of text in order.
func variables(text string) []variable {
	var out []variable
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		v := variable{Text: text[m[0]:m[1]], End: m[1]}
		if inner := text[m[2]:m[3]]; positional.MatchString(inner) {
			v.N, _ = strconv.Atoi(inner)
		}
		out = append(out, v)
	}
	return out
}

// highest is the largest variable number used (0: none).
func highest(vs []variable) int {
	n := 0
	for _, v := range vs {
		n = max(n, v.N)
	}
	return n
}

// fill replaces {{n}} in text with values[n-1], leaving variables without a
// value as written.
func fill(text string, values []string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		inner := p[2 : len(p)-2]
		if !positional.MatchString(inner) {
			return p
		}
		n, _ := strconv.Atoi(inner)
		if n <= len(values) {
			return values[n-1]
		}
		return p
	})
}
