package templates

// Slots are the values a send of a template takes, as Render reads them:
// what a form asks the sender for.
type Slots struct {
	// HeaderFormat is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION ("" without header).
	HeaderFormat string
	// HeaderText tells whether a TEXT header has a {{1}} to fill (Values.Header).
	HeaderText bool
	// Body is the number of the body's variables, {{1}} to {{Body}} (Values.Body).
	Body int
	// Buttons are the buttons that take a value (Values.Buttons).
	Buttons []SlotButton
}

// SlotButton is a button whose variable a send fills.
type SlotButton struct {
	// Index is the button's position, the key of Values.Buttons.
	Index int
	// Type is URL (the link's suffix), OTP or COPY_CODE (the code).
	Type string
	Text string
	// URL is the link as approved, with its {{1}} (URL buttons).
	URL string
}

// Slots lists what a send of t takes.
func (t Template) Slots() Slots {
	var s Slots
	if h := t.Component("HEADER"); h != nil {
		s.HeaderFormat = upper(h.Format)
		if s.HeaderFormat == "" {
			s.HeaderFormat = "TEXT"
		}
		s.HeaderText = s.HeaderFormat == "TEXT" && highest(variables(h.Text)) > 0
	}
	s.Body = highest(variables(t.BodyText()))
	for i, b := range t.Buttons() {
		switch {
		case b.Is("URL") && highest(variables(b.URL)) > 0:
			s.Buttons = append(s.Buttons, SlotButton{Index: i, Type: "URL", Text: b.Text, URL: b.URL})
		case b.Is("OTP"), b.Is("COPY_CODE"):
			s.Buttons = append(s.Buttons, SlotButton{Index: i, Type: upper(b.Type), Text: b.Text})
		}
	}
	return s
}
