package templates

import (
	"reflect"
	"testing"
)

func TestSketch(t *testing.T) {
	tpl := approved(t, "order_update", orderUpdate)
	vars := ResolveVars(ana, "Leo")
	cases := []struct {
		name string
		v    Values
		want Preview
	}{
		{"nothing typed yet", Values{Vars: vars},
			Preview{HeaderFormat: "TEXT", Header: "Order {{1}}", Body: "Hi {{1}}, your order {{2}} ships today. Thanks, {{3}}!",
				Footer: "Shop Inc.", Buttons: []string{"Stop", "Track", "Call"}}},
		{"typed, dynamic and missing values", Values{Vars: vars, Header: []string{"#42"},
			Body: []string{"{{contact.first_name}}", "{{contact.email}}", "{{agent.name}}"}},
			Preview{HeaderFormat: "TEXT", Header: "Order #42", Body: "Hi Ana, your order {{2}} ships today. Thanks, Leo!",
				Footer: "Shop Inc.", Buttons: []string{"Stop", "Track", "Call"}}},
	}
	for _, c := range cases {
		if got := Sketch(tpl, c.v); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
	// An unapproved template still previews: the form shows it while choosing.
	tpl.Status = StatusPending
	if got := Sketch(tpl, Values{Body: []string{"Vera"}}); got.Body != "Hi Vera, your order {{2}} ships today. Thanks, {{3}}!" {
		t.Errorf("pending template: %q", got.Body)
	}
}
