package templates

import (
	"encoding/json"
	"testing"

	"charla/internal/metaspec"
)

func TestComponentsOfValidSubmission(t *testing.T) {
	got, err := json.Marshal(validSubmission().CreateRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"summer_sale_2","language":"en_US","category":"MARKETING","components":[
		{"type":"HEADER","format":"TEXT","text":"Our {{1}} is on!","example":{"header_text":["Summer Sale"]}},
		{"type":"BODY","text":"Hi {{1}}, use code {{2}} for *25%* off.","example":{"body_text":[["Mark","SUMMER25"]]}},
		{"type":"FOOTER","text":"Reply STOP to opt out"},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop promotions"},
			{"type":"URL","text":"Shop now","url":"https://shop.example.com/sale?c={{1}}","example":["summer"]},
			{"type":"PHONE_NUMBER","text":"Call us","phone_number":"+14155550123"}]}]}`
	if !jsonSame(t, got, []byte(want)) {
		t.Fatalf("create request:\n got %s\nwant %s", got, want)
	}
}

func TestComponentsWithoutVariablesHaveNoExample(t *testing.T) {
	s := Submission{Name: "hi", Category: "utility", Language: "en", Header: &SubmissionHeader{Format: "text", Text: "Hello"},
		Body: SubmissionBody{Text: "Plain body"}, Footer: &SubmissionFooter{}, Buttons: []SubmissionButton{{Type: "url", Text: "Go", URL: "https://x.com"}}}
	got, _ := json.Marshal(s.CreateRequest())
	want := `{"name":"hi","language":"en","category":"UTILITY","components":[{"type":"HEADER","format":"TEXT","text":"Hello"},
		{"type":"BODY","text":"Plain body"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://x.com"}]}]}`
	if !jsonSame(t, got, []byte(want)) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// TestCreateRequestsMatchMetaExamples builds, from submissions, the create
// bodies of Meta's own examples in the official OpenAPI description and
// compares them whole.
func TestCreateRequestsMatchMetaExamples(t *testing.T) {
	root := metaspec.Parse(t, metaspec.Load(t, "template create bodies are NOT being compared with Meta's examples"))
	examples, _ := metaspec.Dig(root, "paths", "/{Version}/{WABA-ID}/message_templates", "post", "requestBody",
		"content", "application/json", "examples").(map[string]any)
	if len(examples) == 0 {
		t.Fatal("no create examples found in the spec")
	}
	handle := "4::YXBwbGljYXRpb24vcGRm:ARZVv4zuogJMxmAdS3_6T4o_K4ll2806avA7rWpikisTzYPsXXUeKk0REjS-hIM1rYrizHD7rQXj951TKgUFblgd_BDWVROCwRkg9Vhjj-cHNQ:e:1681237341:634974688087057:100089620928913:ARa1ZDhwbLZM3EENeeg"
	subs := map[string]Submission{
		"Create template w/ text header, text body, text footer, and 2 quick reply buttons": {
			Name: "seasonal_promotion_text_only", Category: "MARKETING", Language: "en",
			Header: &SubmissionHeader{Format: "TEXT", Text: "Our {{1}} is on!", Sample: "Summer Sale"},
			Body: SubmissionBody{Text: "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.",
				Samples: []string{"the end of August", "25OFF", "25%"}},
			Footer: &SubmissionFooter{Text: "Use the buttons below to manage your marketing subscriptions"},
			Buttons: []SubmissionButton{{Type: "QUICK_REPLY", Text: "Unsubcribe from Promos"},
				{Type: "QUICK_REPLY", Text: "Unsubscribe from All"}},
		},
		"Create template w/ location header, text body, text footer, and a website buttons": {
			Name: "order_delivery_update", Category: "UTILITY", Language: "en_US",
			Header: &SubmissionHeader{Format: "LOCATION"},
			Body: SubmissionBody{Text: "Good news {{1}}! Your order #{{2}} is on its way to the location above. Thank you for your order!",
				Samples: []string{"Mark", "566701"}},
			Footer:  &SubmissionFooter{Text: "To stop receiving delivery updates, tap the button below."},
			Buttons: []SubmissionButton{{Type: "QUICK_REPLY", Text: "Stop Delivery Updates"}},
		},
		"Create template w/ document header, text body, a phone number button, and a URL button": {
			Name: "order_confirmation", Category: "UTILITY", Language: "en_US",
			Header: &SubmissionHeader{Format: "DOCUMENT", Handle: handle},
			Body: SubmissionBody{Text: "Thank you for your order, {{1}}! Your order number is {{2}}. Tap the PDF linked above to view your receipt. If you have any questions, please use the buttons below to contact support. Thanks again!",
				Samples: []string{"Mark", "860198-230332"}},
			Buttons: []SubmissionButton{{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "16467043595"},
				{Type: "URL", Text: "Contact Support", URL: "https://www.examplesite.com/support"}},
		},
		"Create authentication template w/ OTP copy code button": {
			Name: "authentication_code_copy_code_button", Category: "AUTHENTICATION", Language: "en_US",
			Authentication: &AuthOptions{SecurityRecommendation: true, CodeExpirationMinutes: 10, ButtonText: "Copy Code"},
		},
	}
	for name, s := range subs {
		t.Run(name, func(t *testing.T) {
			ex, _ := examples[name].(map[string]any)
			if ex == nil {
				t.Fatalf("example %q not in the spec", name)
			}
			want, err := json.Marshal(metaspec.JSONValue(ex["value"]))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(s.CreateRequest())
			if !jsonSame(t, got, want) {
				t.Fatalf("create body differs from Meta's example:\n got %s\nwant %s", got, want)
			}
		})
	}
}
