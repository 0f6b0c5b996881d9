package contacts

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"charla/internal/store"
)

// where appends the WHERE clause selecting workspace ws's contacts (aliased c)
// that match f. Every value a customer typed (tags, attribute keys and values,
// search text) travels as a parameter; only the SQL shape depends on the
// filter. f must be valid.
func (f Filter) where(q *store.Query, d store.Dialect, ws string, now time.Time) {
	wsArg := q.Arg(ws)
	q.WriteString(" WHERE c.workspace_id = " + wsArg)
	if f.Tags != nil {
		tags, _ := cleanTags(f.Tags.Tags)
		in := q.In(tags)
		switch f.Tags.Mode {
		case TagsAll:
			// One grouped pass over the tag index, rather than a count per contact.
			q.WriteString(" AND c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.workspace_id = " + wsArg + " AND t.tag IN " + in +
				" GROUP BY t.contact_id HAVING COUNT(*) = " + q.Arg(len(tags)) + ")")
		case TagsNone:
			q.WriteString(" AND NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag IN " + in + ")")
		default:
			q.WriteString(" AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag IN " + in + ")")
		}
	}
	for _, a := range f.Attributes {
		q.WriteString(" AND " + attrCondition(q, d, a))
	}
	if f.Channel != "" {
		q.WriteString(" AND EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND i.channel_id = " + q.Arg(f.Channel) + ")")
	}
	if a := f.LastInbound; a != nil {
		switch {
		case a.Never:
			q.WriteString(" AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id AND v.last_inbound_at IS NOT NULL)")
		case a.Within != "":
			age, _ := parseAge(a.Within)
			q.WriteString(" AND EXISTS (SELECT 1 FROM conversations v WHERE v.contact_id = c.id AND v.last_inbound_at >= " + q.Arg(now.Add(-age)) + ")")
		default:
			// MAX is NULL for a contact who never wrote, so they do not match.
			age, _ := parseAge(a.OlderThan)
			q.WriteString(" AND (SELECT MAX(v.last_inbound_at) FROM conversations v WHERE v.contact_id = c.id) < " + q.Arg(now.Add(-age)))
		}
	}
	if f.CreatedFrom != nil {
		q.WriteString(" AND c.created_at >= " + q.Arg(f.CreatedFrom.UTC()))
	}
	if f.CreatedTo != nil {
		q.WriteString(" AND c.created_at < " + q.Arg(f.CreatedTo.UTC()))
	}
	if f.Query != "" {
		p := q.Arg(store.Like(f.Query))
		q.WriteString(" AND (LOWER(c.name) LIKE " + p + ` ESCAPE '\' OR c.email LIKE ` + p + ` ESCAPE '\' OR c.phone LIKE ` + p + ` ESCAPE '\')`)
	}
	if f.Subscribed != nil {
		optedOut := "EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = c.id)"
		if *f.Subscribed {
			q.WriteString(" AND NOT " + optedOut)
		} else {
			q.WriteString(" AND " + optedOut)
		}
	}
}

// attrCondition is the SQL test of one attribute condition.
func attrCondition(q *store.Query, d store.Dialect, a AttrCondition) string {
	text, number := attrText(q, d, a.Key)
	switch a.Op {
	case OpExists:
		return text + " IS NOT NULL"
	case OpNotExists:
		return text + " IS NULL"
	case OpEq:
		return "LOWER(" + text + ") = LOWER(" + q.Arg(a.Value) + ")"
	case OpNeq:
		return "(" + text + " IS NULL OR LOWER(" + text + ") <> LOWER(" + q.Arg(a.Value) + "))"
	case OpContains:
		return "LOWER(" + text + ") LIKE LOWER(" + q.Arg(store.Like(a.Value)) + `) ESCAPE '\'`
	}
	cmp := " > "
	if a.Op == OpLt {
		cmp = " < "
	}
	if v := strings.TrimSpace(a.Value); decimal.MatchString(v) {
		if d == store.Postgres {
			return number + cmp + q.Arg(v) + "::numeric"
		}
		n, _ := strconv.ParseFloat(v, 64)
		return number + cmp + q.Arg(n)
	}
	if d == store.Postgres {
		// Byte order, as SQLite compares, whatever the database's collation.
		return text + ` COLLATE "C"` + cmp + q.Arg(a.Value)
	}
	return text + cmp + q.Arg(a.Value)
}

// decimal is a number as people type it, which both strconv and PostgreSQL's
// numeric read the same (no hex, no Inf, no exponent that overflows numeric).
var decimal = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$`)

// jsonNumber is a JSON number in full, as PostgreSQL must see it before a cast
// (SQLite asks json_valid instead); surrounding JSON whitespace is allowed by both.
const jsonNumber = `'^[ \t\n\r]*-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?[ \t\n\r]*$'`

// attrText returns SQL for the attribute's value as text (NULL when missing;
// true/false for booleans on both databases) and as a number (NULL unless it
// is a JSON number or a string holding one).
func attrText(q *store.Query, d store.Dialect, key string) (text, number string) {
	if d == store.Postgres {
		text = "(c.attributes::jsonb ->> " + q.Arg(key) + "::text)"
		number = "(CASE WHEN " + text + " ~ " + jsonNumber + " THEN " + text + "::numeric END)"
		return text, number
	}
	path := q.Arg("$." + key)
	value := "json_extract(c.attributes, " + path + ")"
	kind := "json_type(c.attributes, " + path + ")"
	text = "(CASE " + kind + " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(" + value + " AS TEXT) END)"
	// Nested CASEs guard json_type(value), which fails on text that is not JSON.
	number = "(CASE " + kind + " WHEN 'integer' THEN " + value + " WHEN 'real' THEN " + value +
		" WHEN 'text' THEN CASE WHEN json_valid(" + value + ") THEN CASE json_type(" + value + ")" +
		" WHEN 'integer' THEN CAST(" + value + " AS REAL) WHEN 'real' THEN CAST(" + value + " AS REAL) END END END)"
	return text, number
}
