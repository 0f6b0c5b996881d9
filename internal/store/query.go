package store

import (
	"strconv"
	"strings"
)

// Query builds the few statements whose shape depends on input (filters, IN
// lists), with $N placeholders that both databases accept.
type Query struct {
	strings.Builder
	Args []any
}

// Arg records v and returns its placeholder.
func (q *Query) Arg(v any) string {
	q.Args = append(q.Args, v)
	return "$" + strconv.Itoa(len(q.Args))
}

// In returns "($a, $b, …)" for values.
func (q *Query) In(values []string) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = q.Arg(v)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// Like escapes s for a LIKE pattern matching it anywhere (ESCAPE '\').
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}
