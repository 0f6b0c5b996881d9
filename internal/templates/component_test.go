package templates

import (
	"encoding/json"
	"testing"
)

// jsonSame compares two JSON texts by meaning (key order and spacing aside).
func jsonSame(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func TestComponentsRoundTrip(t *testing.T) {
	cases := map[string]string{
		"standard": `[{"type":"HEADER","format":"TEXT","text":"Our {{1}} is on!","example":{"header_text":["Summer Sale"]}},
			{"type":"BODY","text":"Hi {{1}}, code {{2}}","example":{"body_text":[["Mark","FALL25"]]}},
			{"type":"FOOTER","text":"Bye"},
			{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop"},
				{"type":"URL","text":"Shop","url":"https://x.com/shop?promo={{1}}","example":["summer2023"]},
				{"type":"PHONE_NUMBER","text":"Call","phone_number":"+16467043595"}]}]`,
		"carousel": `[{"type":"BODY","text":"Rare succulents for sale! {{1}}","example":{"body_text":[["Pablo"]]}},
			{"type":"CAROUSEL","cards":[{"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::an"]}},
				{"type":"BODY","text":"Card {{1}}","example":{"body_text":[["x"]]}},
				{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Send more like this"}]}]}]}]`,
		"authentication": `[{"type":"BODY","text":"*{{1}}* is your verification code.","add_security_recommendation":true},
			{"type":"FOOTER","text":"This code expires in 10 minutes.","code_expiration_minutes":10},
			{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy Code"}]}]`,
		"coupon code is a string": `[{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"}]}]`,
		"named parameters":        `[{"type":"BODY","text":"Hi {{first_name}}","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"}]}}]`,
		"lowercase type and flow button": `[{"type":"body","text":"Check out this new offer"},
			{"type":"BUTTONS","buttons":[{"type":"FLOW","text":"Offer","flow_id":"123","navigate_screen":"S","flow_action":"navigate"}]}]`,
		"odd shapes kept verbatim": `[{"type":"BODY","text":"x","example":{"body_text":["not","nested"]}},
			{"type":"BUTTONS","buttons":{"not":"an array"}}]`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var comps []Component
			if err := json.Unmarshal([]byte(in), &comps); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(comps)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonSame(t, out, []byte(in)) {
				t.Fatalf("round trip changed the components:\n got %s\nwant %s", out, in)
			}
		})
	}
}

func TestComponentsTyped(t *testing.T) {
	in := `[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::h"]}},
		{"type":"BODY","text":"Hi {{1}}","example":{"body_text":[["Mark"]]}},
		{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"},{"type":"URL","text":"Go","url":"https://x.com/{{1}}","example":["a"]}]},
		{"type":"CAROUSEL","cards":[]}]`
	var tpl Template
	if err := json.Unmarshal([]byte(in), &tpl.Components); err != nil {
		t.Fatal(err)
	}
	h := tpl.Component("HEADER")
	if h == nil || h.Format != "IMAGE" || h.Example == nil || len(h.Example.HeaderHandle) != 1 || h.Example.HeaderHandle[0] != "4::h" {
		t.Fatalf("header: %+v", h)
	}
	if tpl.BodyText() != "Hi {{1}}" || tpl.Component("BODY").Example.BodyText[0][0] != "Mark" {
		t.Fatalf("body: %+v", tpl.Component("BODY"))
	}
	bs := tpl.Buttons()
	if len(bs) != 2 || !bs[0].Is("COPY_CODE") || bs[0].Example[0] != "SAVE20" || bs[1].URL != "https://x.com/{{1}}" {
		t.Fatalf("buttons: %+v", bs)
	}
	if c := tpl.Component("CAROUSEL"); c == nil || string(c.Extra("cards")) != "[]" {
		t.Fatalf("carousel cards not kept: %+v", c)
	}
	if tpl.Component("FOOTER") != nil {
		t.Fatal("a footer that isn't there")
	}
}

// TestComponentChangeWins checks that a modelled field changed in Go is
// what gets written, not the value first read.
func TestComponentChangeWins(t *testing.T) {
	var c Component
	if err := json.Unmarshal([]byte(`{"type":"BODY","text":"old","add_security_recommendation":true}`), &c); err != nil {
		t.Fatal(err)
	}
	c.Text = "new"
	out, _ := json.Marshal(c)
	if !jsonSame(t, out, []byte(`{"type":"BODY","text":"new","add_security_recommendation":true}`)) {
		t.Fatalf("got %s", out)
	}
}
