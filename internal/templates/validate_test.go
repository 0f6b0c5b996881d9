package templates

import (
	"bytes"
	"strings"
	"testing"

	"charla/internal/problem"
)

// Sample files, recognised by their first bytes as a browser would not be trusted to.
var (
	jpegData = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 64)...)
	pngData  = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	pdfData  = []byte("%PDF-1.7\n1 0 obj <<>> endobj\n")
	mp4Data  = append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, make([]byte, 64)...)
)

// validSubmission passes every rule and uses every part of a template.
func validSubmission() Submission {
	return Submission{
		Name: "summer_sale_2", Category: "MARKETING", Language: "en_US",
		Header: &SubmissionHeader{Format: "TEXT", Text: "Our {{1}} is on!", Sample: "Summer Sale"},
		Body:   SubmissionBody{Text: "Hi {{1}}, use code {{2}} for *25%* off.", Samples: []string{"Mark", "SUMMER25"}},
		Footer: &SubmissionFooter{Text: "Reply STOP to opt out"},
		Buttons: []SubmissionButton{
			{Type: "QUICK_REPLY", Text: "Stop promotions"},
			{Type: "URL", Text: "Shop now", URL: "https://shop.example.com/sale?c={{1}}", Sample: "summer"},
			{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+14155550123"},
		},
	}
}

func authSubmission() Submission {
	return Submission{Name: "login_code", Category: "AUTHENTICATION", Language: "en",
		Authentication: &AuthOptions{SecurityRecommendation: true, CodeExpirationMinutes: 10, ButtonText: "Copy code"}}
}

func buttons(bs ...SubmissionButton) func(*Submission) {
	return func(s *Submission) { s.Buttons = bs }
}

var (
	qr    = SubmissionButton{Type: "QUICK_REPLY", Text: "Yes"}
	link  = SubmissionButton{Type: "URL", Text: "Open", URL: "https://example.com"}
	phone = SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+14155550123"}
)

func TestValidate(t *testing.T) {
	media := func(format string, data []byte) func(*Submission) {
		return func(s *Submission) {
			s.Header = &SubmissionHeader{Format: format, File: &SampleFile{Filename: "sample", MimeType: "image/jpeg", Data: data}}
		}
	}
	cases := []struct {
		name   string
		change func(*Submission)
		// field is the field the error must name ("": the submission passes).
		field string
	}{
		{"valid", func(*Submission) {}, ""},

		{"name with digits and underscores", func(s *Submission) { s.Name = "order_update_2" }, ""},
		{"name uppercase", func(s *Submission) { s.Name = "Order_update" }, "name"},
		{"name hyphen", func(s *Submission) { s.Name = "order-update" }, "name"},
		{"name space", func(s *Submission) { s.Name = "order update" }, "name"},
		{"name missing", func(s *Submission) { s.Name = "" }, "name"},
		{"name 512", func(s *Submission) { s.Name = strings.Repeat("a", 512) }, ""},
		{"name 513", func(s *Submission) { s.Name = strings.Repeat("a", 513) }, "name"},

		{"category utility", func(s *Submission) { s.Category = "UTILITY" }, ""},
		{"category lowercase", func(s *Submission) { s.Category = "marketing" }, ""},
		{"category unknown", func(s *Submission) { s.Category = "PROMOTION" }, "category"},
		{"category missing", func(s *Submission) { s.Category = "" }, "category"},

		{"language pt_BR", func(s *Submission) { s.Language = "pt_BR" }, ""},
		{"language fil", func(s *Submission) { s.Language = "fil" }, ""},
		{"language with hyphen", func(s *Submission) { s.Language = "pt-BR" }, "language"},
		{"language unsupported", func(s *Submission) { s.Language = "xx" }, "language"},

		{"no header", func(s *Submission) { s.Header = nil }, ""},
		{"header text 60", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: strings.Repeat("h", 60)} }, ""},
		{"header text 61", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: strings.Repeat("h", 61)} }, "header.text"},
		{"header text 60 runes", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: strings.Repeat("ñ", 60)} }, ""},
		{"header text missing", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT"} }, "header.text"},
		{"header two lines", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: "a\nb"} }, "header.text"},
		{"header two variables", func(s *Submission) {
			s.Header = &SubmissionHeader{Format: "TEXT", Text: "{{1}} and {{1}}", Sample: "x"}
		}, "header.text"},
		{"header variable not {{1}}", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: "Sale {{2}}", Sample: "x"} }, "header.text"},
		{"header variable without sample", func(s *Submission) { s.Header.Sample = "" }, "header.sample"},
		{"header without variable needs no sample", func(s *Submission) { s.Header = &SubmissionHeader{Format: "TEXT", Text: "Sale"} }, ""},
		{"header format unknown", func(s *Submission) { s.Header = &SubmissionHeader{Format: "GIF"} }, "header.format"},
		{"header location", func(s *Submission) { s.Header = &SubmissionHeader{Format: "LOCATION"} }, ""},
		{"header location with text", func(s *Submission) { s.Header = &SubmissionHeader{Format: "LOCATION", Text: "x"} }, "header.text"},
		{"header image jpeg", media("IMAGE", jpegData), ""},
		{"header image png lowercase format", media("image", pngData), ""},
		{"header image given a pdf", media("IMAGE", pdfData), "header.sample"},
		{"header video mp4", media("VIDEO", mp4Data), ""},
		{"header video given a jpeg", media("VIDEO", jpegData), "header.sample"},
		{"header document pdf", media("DOCUMENT", pdfData), ""},
		{"header document given a png", media("DOCUMENT", pngData), "header.sample"},
		{"header image without file", func(s *Submission) { s.Header = &SubmissionHeader{Format: "IMAGE"} }, "header.sample"},
		{"header image 20 MB", media("IMAGE", padded(jpegData, MaxSampleBytes)), ""},
		{"header image over 20 MB", media("IMAGE", padded(jpegData, MaxSampleBytes+1)), "header.sample"},
		{"header image with text", func(s *Submission) {
			media("IMAGE", jpegData)(s)
			s.Header.Text = "Hi"
		}, "header.text"},

		{"body missing", func(s *Submission) { s.Body = SubmissionBody{} }, "body.text"},
		{"body 1024", func(s *Submission) { s.Body = SubmissionBody{Text: strings.Repeat("b", 1024)} }, ""},
		{"body 1025", func(s *Submission) { s.Body = SubmissionBody{Text: strings.Repeat("b", 1025)} }, "body.text"},
		{"body markdown", func(s *Submission) {
			s.Body = SubmissionBody{Text: "*bold* _italic_ ~strike~ ```mono``` and `code`"}
		}, ""},
		{"body variables repeat", func(s *Submission) {
			s.Body = SubmissionBody{Text: "Hi {{1}}, {{1}} again, code {{2}}.", Samples: []string{"Ana", "X1"}}
		}, ""},
		{"body variables with a gap", func(s *Submission) {
			s.Body = SubmissionBody{Text: "Hi {{1}}, code {{3}}.", Samples: []string{"Ana", "", "X1"}}
		}, "body.text"},
		{"body variables not from 1", func(s *Submission) { s.Body = SubmissionBody{Text: "Hi {{2}}.", Samples: []string{"a", "b"}} }, "body.text"},
		{"body named variable", func(s *Submission) { s.Body = SubmissionBody{Text: "Hi {{name}}."} }, "body.text"},
		{"body spaced variable", func(s *Submission) { s.Body = SubmissionBody{Text: "Hi {{ 1 }}.", Samples: []string{"a"}} }, "body.text"},
		{"body starts with a variable", func(s *Submission) { s.Body = SubmissionBody{Text: "{{1}}, hi.", Samples: []string{"a"}} }, "body.text"},
		{"body ends with a variable", func(s *Submission) { s.Body = SubmissionBody{Text: "Hi {{1}}", Samples: []string{"a"}} }, "body.text"},
		{"body variable inside", func(s *Submission) { s.Body = SubmissionBody{Text: "Hi {{1}}!", Samples: []string{"a"}} }, ""},
		{"body sample missing", func(s *Submission) { s.Body.Samples = []string{"Mark"} }, "body.samples[1]"},
		{"body sample blank", func(s *Submission) { s.Body.Samples = []string{" ", "X"} }, "body.samples[0]"},
		{"body sample too many", func(s *Submission) { s.Body.Samples = []string{"Mark", "X", "extra"} }, "body.samples[2]"},

		{"no footer", func(s *Submission) { s.Footer = nil }, ""},
		{"footer 60", func(s *Submission) { s.Footer.Text = strings.Repeat("f", 60) }, ""},
		{"footer 61", func(s *Submission) { s.Footer.Text = strings.Repeat("f", 61) }, "footer.text"},
		{"footer variable", func(s *Submission) { s.Footer.Text = "Hi {{1}}" }, "footer.text"},

		{"no buttons", buttons(), ""},
		{"three quick replies", buttons(qr, qr, qr), ""},
		{"four quick replies", buttons(qr, qr, qr, qr), "buttons"},
		{"eleven buttons", buttons(qr, qr, qr, qr, qr, qr, qr, qr, qr, qr, qr), "buttons"},
		{"quick reply 20", buttons(SubmissionButton{Type: "QUICK_REPLY", Text: strings.Repeat("q", 20)}), ""},
		{"quick reply 21", buttons(SubmissionButton{Type: "QUICK_REPLY", Text: strings.Repeat("q", 21)}), "buttons[0].text"},
		{"call to action 25", buttons(SubmissionButton{Type: "URL", Text: strings.Repeat("u", 25), URL: "https://x.com"}), ""},
		{"call to action 26", buttons(SubmissionButton{Type: "PHONE_NUMBER", Text: strings.Repeat("p", 26), PhoneNumber: "+14155550123"}), "buttons[0].text"},
		{"button text missing", buttons(qr, SubmissionButton{Type: "QUICK_REPLY"}), "buttons[1].text"},
		{"button text variable", buttons(SubmissionButton{Type: "QUICK_REPLY", Text: "Hi {{1}}"}), "buttons[0].text"},
		{"button type unknown", buttons(qr, qr, SubmissionButton{Type: "CALL", Text: "x"}), "buttons[2].type"},
		{"two URL buttons", buttons(link, link), "buttons"},
		{"two phone buttons", buttons(phone, phone), "buttons"},
		{"URL http", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "http://example.com/a"}), ""},
		{"URL ftp", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "ftp://example.com"}), "buttons[0].url"},
		{"URL without scheme", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "example.com"}), "buttons[0].url"},
		{"URL missing", buttons(SubmissionButton{Type: "URL", Text: "Open"}), "buttons[0].url"},
		{"URL 2000", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/" + strings.Repeat("a", 2000-14)}), ""},
		{"URL 2001", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/" + strings.Repeat("a", 2001-14)}), "buttons[0].url"},
		{"URL variable at end", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/o/{{1}}", Sample: "42"}), ""},
		{"URL variable in the middle", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/{{1}}/a", Sample: "42"}), "buttons[0].url"},
		{"URL two variables", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/{{1}}{{2}}", Sample: "42"}), "buttons[0].url"},
		{"URL variable {{2}}", buttons(SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/{{2}}", Sample: "42"}), "buttons[0].url"},
		{"URL variable without sample", buttons(qr, SubmissionButton{Type: "URL", Text: "Open", URL: "https://x.com/{{1}}"}), "buttons[1].sample"},
		{"phone E.164", buttons(SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+5511987654321"}), ""},
		{"phone without plus", buttons(qr, qr, SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "14155550123"}), "buttons[2].phone_number"},
		{"phone too short", buttons(SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+1415555"}), "buttons[0].phone_number"},
		{"phone too long", buttons(SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+1234567890123456"}), "buttons[0].phone_number"},
		{"phone with spaces", buttons(SubmissionButton{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+1 415 555 0123"}), "buttons[0].phone_number"},
		{"call to action then quick replies", buttons(link, phone, qr, qr), ""},
		{"quick replies interleaved", buttons(qr, link, qr), "buttons"},

		{"authentication", func(s *Submission) { *s = authSubmission() }, ""},
		{"authentication without options", func(s *Submission) { *s = authSubmission(); s.Authentication = nil }, ""},
		{"authentication with header", func(s *Submission) {
			*s = authSubmission()
			s.Header = &SubmissionHeader{Format: "TEXT", Text: "Code"}
		}, "header"},
		{"authentication with body text", func(s *Submission) { *s = authSubmission(); s.Body.Text = "Your code" }, "body.text"},
		{"authentication with footer", func(s *Submission) { *s = authSubmission(); s.Footer = &SubmissionFooter{Text: "x"} }, "footer.text"},
		{"authentication with buttons", func(s *Submission) { *s = authSubmission(); s.Buttons = []SubmissionButton{qr} }, "buttons"},
		{"authentication expiry 90", func(s *Submission) { *s = authSubmission(); s.Authentication.CodeExpirationMinutes = 90 }, ""},
		{"authentication expiry 91", func(s *Submission) { *s = authSubmission(); s.Authentication.CodeExpirationMinutes = 91 }, "authentication.code_expiration_minutes"},
		{"authentication button text 26", func(s *Submission) {
			*s = authSubmission()
			s.Authentication.ButtonText = strings.Repeat("c", 26)
		}, "authentication.button_text"},
		{"authentication options on marketing", func(s *Submission) { s.Authentication = &AuthOptions{} }, "authentication"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validSubmission()
			c.change(&s)
			err := Validate(s)
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			p := problem.As(err)
			if err == nil || p.Kind != problem.Invalid {
				t.Fatalf("want a 422 naming %s, got %v", c.field, err)
			}
			if p.Fields[c.field] == "" {
				t.Fatalf("want an error on %s, got %v", c.field, p.Fields)
			}
		})
	}
}

// TestValidateReportsEveryField checks that one pass names all the broken
// fields at once, so a form shows every problem together.
func TestValidateReportsEveryField(t *testing.T) {
	s := Submission{Name: "Bad Name", Category: "X", Language: "zz", Body: SubmissionBody{Text: "Hi {{1}}!"},
		Footer: &SubmissionFooter{Text: "{{1}}"}, Buttons: []SubmissionButton{{Type: "URL", Text: "Go", URL: "nope"}}}
	p := problem.As(Validate(s))
	for _, f := range []string{"name", "category", "language", "body.samples[0]", "footer.text", "buttons[0].url"} {
		if p.Fields[f] == "" {
			t.Errorf("no error on %s: %v", f, p.Fields)
		}
	}
}

func TestValidateMessagesSayWhatToFix(t *testing.T) {
	s := validSubmission()
	s.Body = SubmissionBody{Text: "{{1}} is here", Samples: []string{"Ana"}}
	if msg := problem.As(Validate(s)).Fields["body.text"]; !strings.Contains(msg, "start or end with a variable") {
		t.Errorf("body.text: %q", msg)
	}
	s = validSubmission()
	s.Header = &SubmissionHeader{Format: "IMAGE", File: &SampleFile{Data: pdfData}}
	if msg := problem.As(Validate(s)).Fields["header.sample"]; !strings.Contains(msg, "application/pdf") || !strings.Contains(msg, "image/jpeg") {
		t.Errorf("header.sample should name the wanted and the found type: %q", msg)
	}
}

// padded is data extended with zeros to n bytes.
func padded(data []byte, n int) []byte {
	return append(bytes.Clone(data), make([]byte, n-len(data))...)
}
