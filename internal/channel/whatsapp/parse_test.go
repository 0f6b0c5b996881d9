package whatsapp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"charla/internal/problem"
)

const (
	testWABA    = "102290129340398"
	testPhoneID = "106540352242922"
	sheena      = "16505551234"
)

// one returns the only message of b after checking the routing fields every
// single-message fixture shares.
func one(t *testing.T, b Batch) Message {
	t.Helper()
	if len(b.Messages) != 1 {
		t.Fatalf("got %d messages, want 1", len(b.Messages))
	}
	m := b.Messages[0]
	if m.PhoneNumberID != testPhoneID || m.WABAID != testWABA || m.DisplayPhoneNumber != "15550783881" {
		t.Fatalf("routing = %q/%q/%q", m.PhoneNumberID, m.WABAID, m.DisplayPhoneNumber)
	}
	return m
}

// fromSheena checks the sender fields of the fixtures sent by Sheena.
func fromSheena(t *testing.T, m Message) {
	t.Helper()
	if m.From != sheena || m.ProfileName != "Sheena Nelson" || m.SenderKey() != sheena || m.SenderE164() != "+16505551234" {
		t.Fatalf("sender = %q %q key %q e164 %q", m.From, m.ProfileName, m.SenderKey(), m.SenderE164())
	}
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		check func(t *testing.T, b Batch)
	}{
		{"text.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			eq(t, "ID", m.ID, "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
			eq(t, "Timestamp", m.Timestamp, unix(1749416383))
			eq(t, "Type", m.Type, "text")
			eq(t, "Text", m.Text, "Does it come in another color?\nMaybe blue?")
			eq(t, "Summary", m.Summary(), "Does it come in another color? Maybe blue?")
			eq(t, "Unsupported", m.Unsupported, false)
		}},
		{"image.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			eq(t, "Media", *m.Media, Media{Kind: "image", ID: "1003383421387256", MimeType: "image/jpeg",
				SHA256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", Caption: "Taj Mahal"})
			eq(t, "Summary", m.Summary(), "🖼 Photo: Taj Mahal")
		}},
		{"audio_voice.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Media", *m.Media, Media{Kind: "audio", ID: "2004484532498367", MimeType: "audio/ogg; codecs=opus",
				SHA256: "a2f1c3e4b5d60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", Voice: true})
			eq(t, "Summary", m.Summary(), "🎤 Voice message")
		}},
		{"audio.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Voice", m.Media.Voice, false)
			eq(t, "MimeType", m.Media.MimeType, "audio/mpeg")
			eq(t, "Summary", m.Summary(), "🎵 Audio")
		}},
		{"voice.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Type", m.Type, "voice")
			eq(t, "Media", *m.Media, Media{Kind: "voice", ID: "2004484532498369", MimeType: "audio/ogg; codecs=opus",
				SHA256: "c1d1c3e4b5d60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f92", Voice: true})
			eq(t, "Summary", m.Summary(), "🎤 Voice message")
		}},
		{"video.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Media", *m.Media, Media{Kind: "video", ID: "1266344951225480", MimeType: "video/mp4",
				SHA256: "Xk2nY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", Caption: "My vacation video"})
			eq(t, "Summary", m.Summary(), "🎥 Video: My vacation video")
		}},
		{"document.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Media", *m.Media, Media{Kind: "document", ID: "1512309826412345", MimeType: "application/pdf",
				SHA256: "Yk3nY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", Caption: "Here is the receipt", Filename: "receipt.pdf"})
			eq(t, "Summary", m.Summary(), "📄 Document: receipt.pdf")
		}},
		{"sticker.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Media", *m.Media, Media{Kind: "sticker", ID: "1789012345678901", MimeType: "image/webp",
				SHA256: "Zk4nY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", Animated: true})
			eq(t, "Summary", m.Summary(), "💟 Animated sticker")
		}},
		{"location.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			eq(t, "Location", *m.Location, Location{Lat: 37.44221496582, Long: -122.16165924072, Name: "Philz Coffee",
				Address: "101 Forest Ave, Palo Alto, CA 94301", URL: "https://philzcoffee.com/"})
			eq(t, "Summary", m.Summary(), "📍 Location: Philz Coffee")
		}},
		{"contacts.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			if len(m.Contacts) != 2 {
				t.Fatalf("got %d cards", len(m.Contacts))
			}
			eq(t, "card 0", m.Contacts[0], ContactCard{
				Name: ContactName{FormattedName: "Dr. Barbara J. Johnson Esq.", FirstName: "Barbara", LastName: "Johnson",
					MiddleName: "Joana", Prefix: "Dr.", Suffix: "Esq."},
				Phones: []ContactPhone{{Phone: "+1 (412) 555-0829", WaID: "14125550829", Type: "CELL"},
					{Phone: "+1 (412) 555-0830", Type: "HOME"}},
				Emails: []ContactEmail{{Email: "barbara@example.com", Type: "WORK"}},
				Addresses: []ContactAddress{{Street: "1 Hacker Way", City: "Menlo Park", State: "CA", Zip: "94025",
					Country: "United States", CountryCode: "US", Type: "HOME"}},
				Org:      ContactOrg{Company: "Meta Inc", Department: "Engineering", Title: "Software Engineer"},
				URLs:     []ContactURL{{URL: "https://www.example.com", Type: "WORK"}},
				Birthday: "1999-01-23",
			})
			eq(t, "card 1 name", m.Contacts[1].Name.FormattedName, "Lucía Gómez")
			eq(t, "card 1 wa_id", m.Contacts[1].Phones[0].WaID, "19835552319")
			eq(t, "Summary", m.Summary(), "👤 Contact: Dr. Barbara J. Johnson Esq. and 1 more")
		}},
		{"interactive_button_reply.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Interactive", *m.Interactive, Interactive{Type: "button_reply", ID: "cancel-button", Title: "Cancel"})
			eq(t, "Context", *m.Context, Context{From: "15550783881", ID: "wamid.OUTBOUND.BUTTONS"})
			eq(t, "Summary", m.Summary(), "🔘 Selected: Cancel")
		}},
		{"interactive_list_reply.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Interactive", *m.Interactive, Interactive{Type: "list_reply", ID: "priority_express",
				Title: "Priority Mail Express", Description: "Next Day to 2 Days"})
			eq(t, "Summary", m.Summary(), "🔘 Selected: Priority Mail Express")
		}},
		{"interactive_nfm_reply.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Interactive", *m.Interactive, Interactive{Type: "nfm_reply", Name: "flow", Body: "Sent",
				ResponseJSON: `{"flow_token":"tok-123","appointment_date":"2025-07-01"}`})
			if !json.Valid([]byte(m.Interactive.ResponseJSON)) {
				t.Fatal("ResponseJSON is not JSON")
			}
			eq(t, "Summary", m.Summary(), "📝 Form submitted: Sent")
		}},
		{"button.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Button", *m.Button, Button{Payload: "unsubscribe-promo", Text: "Unsubscribe"})
			eq(t, "Context.ID", m.Context.ID, "wamid.OUTBOUND.TEMPLATE")
			eq(t, "Summary", m.Summary(), "🔘 Selected: Unsubscribe")
		}},
		{"reaction.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Reaction", *m.Reaction, Reaction{MessageID: "wamid.OUTBOUND.REACTED", Emoji: "👍"})
			eq(t, "Summary", m.Summary(), "👍 reacted")
		}},
		{"reaction_removed.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Reaction", *m.Reaction, Reaction{MessageID: "wamid.OUTBOUND.REACTED", Emoji: ""})
			eq(t, "Summary", m.Summary(), "Removed a reaction")
		}},
		{"order.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Order", *m.Order, Order{CatalogID: "194836987003835", Text: "Please gift-wrap", Items: []OrderItem{
				{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"},
				{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 25.5, Currency: "USD"},
			}})
			eq(t, "Summary", m.Summary(), "🛒 Order: 3 items, 85.50 USD")
		}},
		{"system_no_contacts.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "From", m.From, sheena)
			eq(t, "ProfileName", m.ProfileName, "")
			eq(t, "System", *m.System, System{Body: "User Sheena Nelson changed from 16505551234 to 12195555358",
				Type: "user_changed_number", NewWaID: "12195555358"})
			eq(t, "Summary", m.Summary(), "User Sheena Nelson changed from 16505551234 to 12195555358")
		}},
		{"unsupported.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			eq(t, "Unsupported", m.Unsupported, true)
			eq(t, "Errors", m.Errors, []Error{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
				Details: "Message type is currently not supported.", Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}})
			eq(t, "Summary", m.Summary(), "Unsupported message")
		}},
		{"unknown_poll.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			fromSheena(t, m)
			eq(t, "Type", m.Type, "poll")
			eq(t, "Unsupported", m.Unsupported, true)
			var raw struct {
				Poll struct {
					Question string `json:"question"`
				} `json:"poll"`
			}
			if err := json.Unmarshal(m.Raw, &raw); err != nil || raw.Poll.Question != "Which colour?" {
				t.Fatalf("Raw lost the poll: %s", m.Raw)
			}
			eq(t, "Summary", m.Summary(), "Unsupported message (poll)")
		}},
		{"referral.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "Text", m.Text, "Hello! Can I get more info on this?")
			eq(t, "Referral", *m.Referral, Referral{
				SourceURL: "https://fb.me/3cr4Wqqkv", SourceID: "120226305854810726", SourceType: "ad",
				Body: "Summer Succulents are here!", Headline: "Chat with us", MediaType: "video",
				VideoURL:     "https://video.xx.fbcdn.net/v/t42.1790-2/ad.mp4",
				ThumbnailURL: "https://scontent.xx.fbcdn.net/v/t15.5256-10/thumb.jpg",
				CtwaClid:     "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iTROpBhWAGaIAeUzHL50",
				WelcomeText:  "Hi there! Let us know how we can help!",
			})
		}},
		{"context_reply.json", func(t *testing.T, b Batch) {
			if len(b.Messages) != 3 {
				t.Fatalf("got %d messages", len(b.Messages))
			}
			eq(t, "reply", *b.Messages[0].Context, Context{From: "15550783881", ID: "wamid.OUTBOUND.QUOTED"})
			eq(t, "forwarded", *b.Messages[1].Context, Context{Forwarded: true, FrequentlyForwarded: true})
			eq(t, "product", *b.Messages[2].Context, Context{From: "15550783881",
				ID:              "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA",
				ReferredProduct: &ReferredProduct{CatalogID: "194836987003835", ProductRetailerID: "di9ozbzfi4"}})
			for _, m := range b.Messages {
				fromSheena(t, m)
			}
		}},
		{"bsuid_only.json", func(t *testing.T, b Batch) {
			m := one(t, b)
			eq(t, "From", m.From, "")
			eq(t, "FromUserID", m.FromUserID, "US.13491208655302741918")
			eq(t, "ProfileName", m.ProfileName, "Kim")
			eq(t, "Username", m.Username, "@kimshop")
			eq(t, "SenderKey", m.SenderKey(), "user:US.13491208655302741918")
			eq(t, "SenderE164", m.SenderE164(), "")
		}},
		{"status_sent.json", func(t *testing.T, b Batch) {
			billable := true
			eq(t, "statuses", b.Statuses, []Status{{
				PhoneNumberID: testPhoneID, DisplayPhoneNumber: "15550783881", WABAID: testWABA,
				ID:     "wamid.HBgNNTUxNjk5MjMxODIyMhUCABEYEjQ1QUNGRjY5QjQwRjg2QTI0OAA=",
				Status: "sent", Timestamp: unix(1750857384), RecipientID: "5516992318222",
				Conversation:          &Conversation{ID: "a75d17b1c3c1b0d7d9e9e0b0a1c2d3e4", ExpiresAt: unix(1750943820), OriginType: "service"},
				Pricing:               &Pricing{Billable: &billable, Model: "PMP", Category: "service", Type: "free_customer_service"},
				BizOpaqueCallbackData: "outbox:42",
				Raw:                   b.Statuses[0].Raw,
			}})
		}},
		{"status_delivered.json", func(t *testing.T, b Batch) {
			s := b.Statuses[0]
			eq(t, "Status", s.Status, "delivered")
			eq(t, "Timestamp", s.Timestamp, unix(1750857390))
			eq(t, "ExpiresAt zero", s.Conversation.ExpiresAt.IsZero(), true)
			eq(t, "Billable", *s.Pricing.Billable, false)
		}},
		{"status_read.json", func(t *testing.T, b Batch) {
			s := b.Statuses[0]
			eq(t, "Status", s.Status, "read")
			eq(t, "RecipientID", s.RecipientID, "5516992318222")
			if s.Conversation != nil || s.Pricing != nil || s.Errors != nil {
				t.Fatalf("read status has extras: %+v", s)
			}
		}},
		{"status_failed.json", func(t *testing.T, b Batch) {
			s := b.Statuses[0]
			eq(t, "Status", s.Status, "failed")
			eq(t, "Errors", s.Errors, []Error{{Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
				Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
				Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}})
			if !strings.Contains(s.Errors[0].Plain(), "24 hours") || s.Errors[0].Retryable() {
				t.Fatalf("131047 explained as %q retryable=%v", s.Errors[0].Plain(), s.Errors[0].Retryable())
			}
		}},
		{"value_errors.json", func(t *testing.T, b Batch) {
			if len(b.Errors) != 1 {
				t.Fatalf("got %d errors", len(b.Errors))
			}
			e := b.Errors[0]
			eq(t, "routing", [2]string{e.PhoneNumberID, e.WABAID}, [2]string{testPhoneID, testWABA})
			eq(t, "Code", e.Code, 131042)
			eq(t, "Details", e.Details, "Message failed to send because there were one or more errors related to your payment method.")
		}},
		{"quality_update.json", func(t *testing.T, b Batch) {
			c := b.AccountUpdates[0]
			eq(t, "Field", c.Field, FieldQualityUpdate)
			q, err := ParseQualityUpdate(c)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "QualityUpdate", q, QualityUpdate{WABAID: testWABA, Time: unix(1748454394), DisplayPhoneNumber: "15550783881",
				Event: "UPGRADE", CurrentLimit: "TIER_10K", OldLimit: "TIER_2K", MaxDailyConversationsPerBusiness: "TIER_10K"})
			n, unlimited, ok := TierLimit(q.Tier())
			eq(t, "TierLimit", [3]any{n, unlimited, ok}, [3]any{10000, false, true})
		}},
		{"template_status_update.json", func(t *testing.T, b Batch) {
			if len(b.AccountUpdates) != 3 {
				t.Fatalf("got %d changes", len(b.AccountUpdates))
			}
			var got []TemplateStatusUpdate
			for _, c := range b.AccountUpdates {
				u, err := ParseTemplateStatusUpdate(c)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, u)
			}
			at := unix(1751247548)
			eq(t, "updates", got, []TemplateStatusUpdate{
				{WABAID: testWABA, Time: at, Event: "REJECTED", ID: "1689556908129832", Name: "abandoned_cart", Language: "en_US",
					Category: "MARKETING", Reason: "INVALID_FORMAT",
					RejectionReason: "Variable parameters are next to each other.", Recommendation: "Add text between the variables."},
				{WABAID: testWABA, Time: at, Event: "PAUSED", ID: "806312974732579", Name: "order_confirmation", Language: "es",
					OtherInfo: &TemplateOtherInfo{Title: "FIRST_PAUSE", Description: "Your WhatsApp message template has been paused for 3 hours because of low quality."}},
				{WABAID: testWABA, Time: at, Event: "DISABLED", ID: "806312974732580", Name: "old_promo", Language: "pt_BR",
					Reason: "NONE", DisableDate: unix(1751234563)},
			})
		}},
		{"batched.json", func(t *testing.T, b Batch) {
			var ids []string
			for _, m := range b.Messages {
				ids = append(ids, m.ID+"@"+m.WABAID+"/"+m.PhoneNumberID)
			}
			eq(t, "message order", ids, []string{
				"wamid.BATCH.M1@102290129340398/106540352242922",
				"wamid.BATCH.M2@102290129340398/106540352242922",
				"wamid.BATCH.M3@102290129340398/106540352242922",
				"wamid.BATCH.M4@210987654321098/207654321098765",
			})
			ids = nil
			for _, s := range b.Statuses {
				ids = append(ids, s.ID+":"+s.Status+"@"+s.PhoneNumberID)
			}
			eq(t, "status order", ids, []string{
				"wamid.BATCH.S1:delivered@106540352242922",
				"wamid.BATCH.S2:read@106540352242922",
				"wamid.BATCH.S3:sent@207654321098765",
				"wamid.BATCH.S4:deleted@207654321098765",
			})
			m1, m2, m3, m4 := b.Messages[0], b.Messages[1], b.Messages[2], b.Messages[3]
			eq(t, "M1 name", m1.ProfileName, "Sheena Nelson")
			// contacts[] lists the legacy Brazilian form without the ninth digit.
			eq(t, "M2 name", m2.ProfileName, "João Silva")
			eq(t, "M2 E164", m2.SenderE164(), "+5511987654321")
			eq(t, "M2 numeric timestamp", m2.Timestamp, unix(1750000002))
			eq(t, "M3 millisecond timestamp", m3.Timestamp, unix(1750000003))
			eq(t, "M3 summary", m3.Summary(), "❤️ reacted")
			eq(t, "M4 name", m4.ProfileName, "Ada")
			eq(t, "M4 display", m4.DisplayPhoneNumber, "+44 7700 900123")
			eq(t, "S3 conversation", *b.Statuses[2].Conversation, Conversation{ID: "conv-uk", ExpiresAt: unix(1750086421), OriginType: "marketing"})
			eq(t, "S3 billable absent", b.Statuses[2].Pricing.Billable == nil, true)
			eq(t, "error", [3]any{b.Errors[0].Code, b.Errors[0].PhoneNumberID, b.Errors[0].WABAID}, [3]any{131000, "207654321098765", "210987654321098"})
			eq(t, "131000 retryable", b.Errors[0].Retryable(), true)
			var fields []string
			for _, c := range b.AccountUpdates {
				fields = append(fields, c.Field+"@"+c.WABAID)
			}
			eq(t, "changes", fields, []string{"account_update@102290129340398", "business_capability_update@210987654321098"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, tt.file)
			b, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			assertNothingDropped(t, body, b)
			assertConsistent(t, b)
			for _, m := range b.Messages {
				if m.Problems != nil {
					t.Fatalf("message %s problems: %v", m.ID, m.Problems)
				}
			}
			for _, s := range b.Statuses {
				if s.Problems != nil {
					t.Fatalf("status %s problems: %v", s.ID, s.Problems)
				}
			}
			tt.check(t, b)
		})
	}
}

func TestParseMalformedEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"empty", ``, "body is empty"},
		{"not JSON", `hello`, "not valid JSON"},
		{"truncated", `{"object":"whatsapp_business_account","entry":[`, "not valid JSON"},
		{"array", `[]`, "body is an array"},
		{"null", `null`, "body is null"},
		{"missing object", `{"entry":[]}`, "object is missing"},
		{"on-premises", `{"contacts":[],"messages":[{"from":"1","id":"x","type":"text"}]}`, "On-Premises"},
		{"wrong object", `{"object":"page","entry":[{"id":"1","changes":[]}]}`, `object is "page"`},
		{"object not string", `{"object":1,"entry":[]}`, "object is a number"},
		{"missing entry", `{"object":"whatsapp_business_account"}`, "entry is missing"},
		{"entry not array", `{"object":"whatsapp_business_account","entry":{}}`, "entry is an object, not an array"},
		{"entry empty", `{"object":"whatsapp_business_account","entry":[]}`, "entry is empty"},
		{"entry item not object", `{"object":"whatsapp_business_account","entry":[1]}`, "entry[0] is a number"},
		{"missing changes", `{"object":"whatsapp_business_account","entry":[{"id":"1"}]}`, "entry[0].changes is missing"},
		{"change not object", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":["x"]}]}`, "entry[0].changes[0] is a string"},
		{"missing field", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{}}]}]}`, "changes[0].field is missing"},
		{"value missing", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`, ".value is missing"},
		{"value not object", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":"x"}]}]}`, ".value is a string"},
		{"messages not array", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":{}}}]}]}`, "value.messages is an object"},
		{"status not object", `{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages","value":{"statuses":[true]}}]}]}`, "value.statuses[0] is a boolean"},
		{"entry id object", `{"object":"whatsapp_business_account","entry":[{"id":{},"changes":[]}]}`, "entry[0].id is an object"},
		{"second entry bad", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]},{"id":"2"}]}`, "entry[1].changes is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := Parse([]byte(tt.body))
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", tt.body, b)
			}
			if !problem.Is(err, problem.BadRequest) {
				t.Fatalf("error %v is not a BadRequest problem", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Fatalf("partial batch returned with error: %+v", b)
			}
		})
	}
}

// Inside a good envelope odd fields are recorded, never fatal, and nothing
// is dropped.
func TestParseKeepsOddItems(t *testing.T) {
	t.Parallel()
	wrap := func(value string) []byte {
		return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":` + value + `}]}]}`)
	}
	tests := []struct {
		name  string
		value string
		check func(t *testing.T, b Batch)
	}{
		{"media of the wrong shape", `{"metadata":{"phone_number_id":"7"},"messages":[{"from":"16505551234","id":"w1","timestamp":"1","type":"image","image":"oops"}]}`,
			func(t *testing.T, b Batch) {
				m := b.Messages[0]
				if m.Media != nil || len(m.Problems) == 0 || m.Unsupported || m.PhoneNumberID != "7" {
					t.Fatalf("got %+v", m)
				}
				eq(t, "Summary", m.Summary(), "🖼 Photo")
			}},
		{"missing content", `{"messages":[{"from":"16505551234","id":"w1","type":"location"}]}`,
			func(t *testing.T, b Batch) {
				if m := b.Messages[0]; m.Location != nil || !strings.Contains(strings.Join(m.Problems, ";"), "location: content object is missing") {
					t.Fatalf("got %+v", m)
				}
			}},
		{"bad timestamp", `{"messages":[{"from":"16505551234","id":"w1","timestamp":"soon","type":"text","text":{"body":"hi"}}]}`,
			func(t *testing.T, b Batch) {
				m := b.Messages[0]
				if !m.Timestamp.IsZero() || len(m.Problems) != 1 || m.Text != "hi" {
					t.Fatalf("got %+v", m)
				}
			}},
		{"numeric ids and string numbers", `{"metadata":{"phone_number_id":106540352242922},"messages":[{"from":16505551234,"id":"w1","timestamp":1750000000,"type":"location","location":{"latitude":"1.5","longitude":"-2.25"}}]}`,
			func(t *testing.T, b Batch) {
				m := b.Messages[0]
				eq(t, "ids", [2]string{m.PhoneNumberID, m.From}, [2]string{"106540352242922", "16505551234"})
				eq(t, "Location", *m.Location, Location{Lat: 1.5, Long: -2.25})
				eq(t, "Summary", m.Summary(), "📍 Location: 1.5, -2.25")
			}},
		{"malformed contact profile", `{"contacts":[{"wa_id":["x"]}],"messages":[{"from":"16505551234","id":"w1","type":"text","text":{"body":"hi"}}]}`,
			func(t *testing.T, b Batch) {
				if m := b.Messages[0]; m.ProfileName != "" || len(m.Problems) != 1 || !strings.HasPrefix(m.Problems[0], "contacts[0]") {
					t.Fatalf("got %+v", m)
				}
			}},
		{"one bad card among good", `{"messages":[{"from":"1","id":"w1","type":"contacts","contacts":[{"name":"bad"},{"name":{"formatted_name":"Good"}}]}]}`,
			func(t *testing.T, b Batch) {
				m := b.Messages[0]
				if len(m.Contacts) != 1 || m.Contacts[0].Name.FormattedName != "Good" || len(m.Problems) != 1 {
					t.Fatalf("got %+v", m)
				}
			}},
		{"type case and missing type", `{"messages":[{"from":"1","id":"w1","type":"TEXT","TEXT":{"body":"shout"}},{"from":"1","id":"w2"}]}`,
			func(t *testing.T, b Batch) {
				eq(t, "upper", [2]string{b.Messages[0].Type, b.Messages[0].Text}, [2]string{"text", "shout"})
				eq(t, "no type", [2]any{b.Messages[1].Type, b.Messages[1].Unsupported}, [2]any{"", true})
				eq(t, "no type summary", b.Messages[1].Summary(), "Unsupported message")
			}},
		{"unknown interactive reply", `{"messages":[{"from":"1","id":"w1","type":"interactive","interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"accept"}}}]}`,
			func(t *testing.T, b Batch) {
				eq(t, "Interactive", *b.Messages[0].Interactive, Interactive{Type: "call_permission_reply"})
				eq(t, "Summary", b.Messages[0].Summary(), "🔘 Interactive reply")
			}},
		{"unmodelled value keys kept", `{"metadata":{"phone_number_id":"7"},"messages":[{"from":"1","id":"w1","type":"text","text":{"body":"x"}}],"message_echoes":[{"id":"e1"}]}`,
			func(t *testing.T, b Batch) {
				if len(b.Messages) != 1 || len(b.AccountUpdates) != 1 || b.AccountUpdates[0].Field != "messages" || b.AccountUpdates[0].PhoneNumberID != "7" {
					t.Fatalf("got %+v", b)
				}
			}},
		{"empty value kept", `{"messaging_product":"whatsapp","metadata":{"phone_number_id":"7"}}`,
			func(t *testing.T, b Batch) {
				if b.Len() != 1 || b.AccountUpdates[0].Field != "messages" {
					t.Fatalf("got %+v", b)
				}
			}},
		{"status with odd pricing", `{"statuses":[{"id":"s1","status":"played","timestamp":"1750000000","recipient_id":"1","pricing":"free","recipient_user_id":"BR.99"}]}`,
			func(t *testing.T, b Batch) {
				s := b.Statuses[0]
				if s.Status != "played" || s.Pricing != nil || len(s.Problems) != 1 || s.RecipientUserID != "BR.99" {
					t.Fatalf("got %+v", s)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := wrap(tt.value)
			b, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			assertNothingDropped(t, body, b)
			assertConsistent(t, b)
			tt.check(t, b)
		})
	}
}

func TestParseChangeHelpersRejectOtherFields(t *testing.T) {
	t.Parallel()
	if _, err := ParseQualityUpdate(Change{Field: "account_update", Value: json.RawMessage(`{}`)}); !problem.Is(err, problem.BadRequest) {
		t.Fatalf("ParseQualityUpdate accepted another field: %v", err)
	}
	if _, err := ParseTemplateStatusUpdate(Change{Field: FieldTemplateStatusUpdate, Value: json.RawMessage(`[]`)}); err == nil {
		t.Fatal("ParseTemplateStatusUpdate accepted an array value")
	}
	// Older spellings are accepted (see ParseQualityUpdate).
	q, err := ParseQualityUpdate(Change{Field: FieldQualityUpdate, Value: json.RawMessage(`{"event":"FLAGGED","current_limit":"TIER_1K","max_daily_conversation_per_phone":1000}`)})
	if err != nil || q.Event != "FLAGGED" || q.MaxDailyConversationsPerBusiness != "1000" || q.CurrentLimit != "TIER_1K" {
		t.Fatalf("got %+v, %v", q, err)
	}
	u, err := ParseTemplateStatusUpdate(Change{Field: FieldTemplateStatusUpdate, Value: json.RawMessage(`{"event":"FLAGGED","other_info":"plain text"}`)})
	if err != nil || u.OtherInfo == nil || u.OtherInfo.Description != "plain text" {
		t.Fatalf("got %+v, %v", u, err)
	}
}

func TestTierLimit(t *testing.T) {
	t.Parallel()
	for tier, want := range map[string][3]any{
		"TIER_50": {50, false, true}, "TIER_250": {250, false, true}, "TIER_1K": {1000, false, true},
		"TIER_2K": {2000, false, true}, "TIER_10K": {10000, false, true}, "TIER_100K": {100000, false, true},
		"TIER_UNLIMITED": {0, true, true}, "TIER_NOT_SET": {0, false, false}, "": {0, false, false},
	} {
		n, u, ok := TierLimit(tier)
		eq(t, tier, [3]any{n, u, ok}, want)
	}
}
