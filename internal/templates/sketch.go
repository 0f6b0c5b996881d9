package templates

import "strconv"

// Sketch is the preview of t with whatever of v can be filled in yet, for a
// form that shows the message as it is being written: a variable without a
// value, or whose dynamic value the contact lacks, stays as written
// ({{2}}). Unlike Render it refuses nothing; Render decides at send time.
func Sketch(t Template, v Values) Preview {
	var p Preview
	if h := t.Component("HEADER"); h != nil {
		p.HeaderFormat = upper(h.Format)
		if p.HeaderFormat == "" || p.HeaderFormat == "TEXT" {
			p.Header = fillSome(h.Text, sketchValues(v.Header, 1, v.Vars))
		}
	}
	body := t.BodyText()
	p.Body = fillSome(body, sketchValues(v.Body, highest(variables(body)), v.Vars))
	if f := t.Component("FOOTER"); f != nil {
		p.Footer = f.Text
	}
	for _, b := range t.Buttons() {
		if b.Text != "" {
			p.Buttons = append(p.Buttons, b.Text)
		}
	}
	return p
}

// sketchValues resolves the first n of raw, "" for any that can't be yet.
func sketchValues(raw []string, n int, vars map[string]string) []string {
	out := make([]string, n)
	for i := range out {
		if val, missing := resolve(at(raw, i), vars); missing == "" {
			out[i] = val
		}
	}
	return out
}

// fillSome is fill that leaves a variable whose value is empty as written.
func fillSome(text string, values []string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		inner := p[2 : len(p)-2]
		if !positional.MatchString(inner) {
			return p
		}
		n, _ := strconv.Atoi(inner)
		if n <= len(values) && values[n-1] != "" {
			return values[n-1]
		}
		return p
	})
}
