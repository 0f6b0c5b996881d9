package templates

import (
	"reflect"
	"testing"
)

func TestSlots(t *testing.T) {
	got := approved(t, "order_update", orderUpdate).Slots()
	want := Slots{HeaderFormat: "TEXT", HeaderText: true, Body: 3,
		Buttons: []SlotButton{{Index: 1, Type: "URL", Text: "Track", URL: "https://x.com/t/{{1}}"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order_update:\n got %+v\nwant %+v", got, want)
	}
	got = approved(t, "promo", `[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Sale!"},
		{"type":"BUTTONS","buttons":[{"type":"URL","text":"Shop","url":"https://x.com"},{"type":"COPY_CODE","example":"SAVE10"}]}]`).Slots()
	want = Slots{HeaderFormat: "IMAGE", Buttons: []SlotButton{{Index: 1, Type: "COPY_CODE"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("promo:\n got %+v\nwant %+v", got, want)
	}
	if got := approved(t, "plain", `[{"type":"BODY","text":"Hello"}]`).Slots(); !reflect.DeepEqual(got, Slots{}) {
		t.Errorf("plain: %+v", got)
	}
}
