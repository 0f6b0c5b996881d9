package whatsapp

import (
	"encoding/json"
	"fmt"
)

func decodeContent(o object, key string, m *Message) {
	switch {
	case m.Type == "text":
		var d struct {
			Body flexString `json:"body"`
		}
		if o.decode(key, &d) {
			m.Text = string(d.Body)
		}
	case mediaKinds[m.Type]:
		var d mediaDoc
		if o.decode(key, &d) {
			m.Media = &Media{
				Kind: m.Type, ID: string(d.ID), MimeType: string(d.MimeType), SHA256: string(d.SHA256),
				Caption: string(d.Caption), Filename: string(d.Filename),
				Animated: bool(d.Animated), Voice: bool(d.Voice) || m.Type == "voice",
			}
		}
	case m.Type == "location":
		var d struct {
			Lat     flexFloat  `json:"latitude"`
			Long    flexFloat  `json:"longitude"`
			Name    flexString `json:"name"`
			Address flexString `json:"address"`
			URL     flexString `json:"url"`
		}
		if o.decode(key, &d) {
			m.Location = &Location{Lat: float64(d.Lat), Long: float64(d.Long), Name: string(d.Name), Address: string(d.Address), URL: string(d.URL)}
		}
	case m.Type == "contacts":
		m.Contacts = decodeCards(o, key)
	case m.Type == "interactive":
		var d interactiveDoc
		if o.decode(key, &d) {
			m.Interactive = d.interactive()
		}
	case m.Type == "button":
		var d struct {
			Payload flexString `json:"payload"`
			Text    flexString `json:"text"`
		}
		if o.decode(key, &d) {
			m.Button = &Button{Payload: string(d.Payload), Text: string(d.Text)}
		}
	case m.Type == "reaction":
		var d struct {
			MessageID flexString `json:"message_id"`
			Emoji     flexString `json:"emoji"`
		}
		if o.decode(key, &d) {
			m.Reaction = &Reaction{MessageID: string(d.MessageID), Emoji: string(d.Emoji)}
		}
	case m.Type == "order":
		var d orderDoc
		if o.decode(key, &d) {
			m.Order = d.order()
		}
	case m.Type == "system":
		var d struct {
			Body flexString `json:"body"`
			Type flexString `json:"type"`
			WaID flexString `json:"wa_id"`
			// new_wa_id is the older (On-Premises era) spelling of wa_id.
			NewWaID flexString `json:"new_wa_id"`
		}
		if o.decode(key, &d) {
			m.System = &System{Body: string(d.Body), Type: string(d.Type), NewWaID: firstNonEmpty(string(d.WaID), string(d.NewWaID))}
		}
	}
}

type mediaDoc struct {
	ID       flexString `json:"id"`
	MimeType flexString `json:"mime_type"`
	SHA256   flexString `json:"sha256"`
	Caption  flexString `json:"caption"`
	Filename flexString `json:"filename"`
	Animated flexBool   `json:"animated"`
	Voice    flexBool   `json:"voice"`
}

type interactiveDoc struct {
	Type        flexString `json:"type"`
	ButtonReply *struct {
		ID    flexString `json:"id"`
		Title flexString `json:"title"`
	} `json:"button_reply"`
	ListReply *struct {
		ID          flexString `json:"id"`
		Title       flexString `json:"title"`
		Description flexString `json:"description"`
	} `json:"list_reply"`
	NfmReply *struct {
		Name         flexString `json:"name"`
		Body         flexString `json:"body"`
		ResponseJSON jsonText   `json:"response_json"`
	} `json:"nfm_reply"`
}

func (d interactiveDoc) interactive() *Interactive {
	i := &Interactive{Type: string(d.Type)}
	switch {
	case d.ButtonReply != nil && (i.Type == "button_reply" || i.Type == ""):
		i.Type = "button_reply"
		i.ID, i.Title = string(d.ButtonReply.ID), string(d.ButtonReply.Title)
	case d.ListReply != nil && (i.Type == "list_reply" || i.Type == ""):
		i.Type = "list_reply"
		i.ID, i.Title, i.Description = string(d.ListReply.ID), string(d.ListReply.Title), string(d.ListReply.Description)
	case d.NfmReply != nil && (i.Type == "nfm_reply" || i.Type == ""):
		i.Type = "nfm_reply"
		i.Name, i.Body, i.ResponseJSON = string(d.NfmReply.Name), string(d.NfmReply.Body), string(d.NfmReply.ResponseJSON)
	}
	return i
}

type orderDoc struct {
	CatalogID flexString `json:"catalog_id"`
	Text      flexString `json:"text"`
	Items     []struct {
		ProductRetailerID flexString `json:"product_retailer_id"`
		Quantity          flexInt    `json:"quantity"`
		ItemPrice         flexFloat  `json:"item_price"`
		Currency          flexString `json:"currency"`
	} `json:"product_items"`
}

func (d orderDoc) order() *Order {
	o := &Order{CatalogID: string(d.CatalogID), Text: string(d.Text)}
	for _, it := range d.Items {
		o.Items = append(o.Items, OrderItem{
			ProductRetailerID: string(it.ProductRetailerID), Quantity: int(it.Quantity),
			ItemPrice: float64(it.ItemPrice), Currency: string(it.Currency),
		})
	}
	return o
}

type cardDoc struct {
	Name struct {
		FormattedName flexString `json:"formatted_name"`
		FirstName     flexString `json:"first_name"`
		LastName      flexString `json:"last_name"`
		MiddleName    flexString `json:"middle_name"`
		Prefix        flexString `json:"prefix"`
		Suffix        flexString `json:"suffix"`
	} `json:"name"`
	Phones []struct {
		Phone flexString `json:"phone"`
		WaID  flexString `json:"wa_id"`
		Type  flexString `json:"type"`
	} `json:"phones"`
	Emails []struct {
		Email flexString `json:"email"`
		Type  flexString `json:"type"`
	} `json:"emails"`
	Addresses []struct {
		Street      flexString `json:"street"`
		City        flexString `json:"city"`
		State       flexString `json:"state"`
		Zip         flexString `json:"zip"`
		Country     flexString `json:"country"`
		CountryCode flexString `json:"country_code"`
		Type        flexString `json:"type"`
	} `json:"addresses"`
	Org struct {
		Company    flexString `json:"company"`
		Department flexString `json:"department"`
		Title      flexString `json:"title"`
	} `json:"org"`
	URLs []struct {
		URL  flexString `json:"url"`
		Type flexString `json:"type"`
	} `json:"urls"`
	Birthday flexString `json:"birthday"`
}

// decodeCards reads shared contacts card by card, so one malformed card
// does not hide the rest.
func decodeCards(o object, key string) []ContactCard {
	raws, ok := o.items(key)
	if !ok {
		return nil
	}
	out := make([]ContactCard, 0, len(raws))
	for i, raw := range raws {
		var d cardDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			o.problem(fmt.Sprintf("%s[%d]", key, i), err)
			continue
		}
		c := ContactCard{
			Name: ContactName{
				FormattedName: string(d.Name.FormattedName), FirstName: string(d.Name.FirstName), LastName: string(d.Name.LastName),
				MiddleName: string(d.Name.MiddleName), Prefix: string(d.Name.Prefix), Suffix: string(d.Name.Suffix),
			},
			Org:      ContactOrg{Company: string(d.Org.Company), Department: string(d.Org.Department), Title: string(d.Org.Title)},
			Birthday: string(d.Birthday),
		}
		for _, p := range d.Phones {
			c.Phones = append(c.Phones, ContactPhone{Phone: string(p.Phone), WaID: string(p.WaID), Type: string(p.Type)})
		}
		for _, e := range d.Emails {
			c.Emails = append(c.Emails, ContactEmail{Email: string(e.Email), Type: string(e.Type)})
		}
		for _, a := range d.Addresses {
			c.Addresses = append(c.Addresses, ContactAddress{
				Street: string(a.Street), City: string(a.City), State: string(a.State), Zip: string(a.Zip),
				Country: string(a.Country), CountryCode: string(a.CountryCode), Type: string(a.Type),
			})
		}
		for _, u := range d.URLs {
			c.URLs = append(c.URLs, ContactURL{URL: string(u.URL), Type: string(u.Type)})
		}
		out = append(out, c)
	}
	return out
}

type contextDoc struct {
	From                flexString `json:"from"`
	ID                  flexString `json:"id"`
	Forwarded           flexBool   `json:"forwarded"`
	FrequentlyForwarded flexBool   `json:"frequently_forwarded"`
	ReferredProduct     *struct {
		CatalogID         flexString `json:"catalog_id"`
		ProductRetailerID flexString `json:"product_retailer_id"`
	} `json:"referred_product"`
}

func decodeContext(o object) *Context {
	var d contextDoc
	if !o.decode("context", &d) {
		return nil
	}
	c := &Context{From: string(d.From), ID: string(d.ID), Forwarded: bool(d.Forwarded), FrequentlyForwarded: bool(d.FrequentlyForwarded)}
	if d.ReferredProduct != nil {
		c.ReferredProduct = &ReferredProduct{CatalogID: string(d.ReferredProduct.CatalogID), ProductRetailerID: string(d.ReferredProduct.ProductRetailerID)}
	}
	return c
}

type referralDoc struct {
	SourceURL      flexString `json:"source_url"`
	SourceID       flexString `json:"source_id"`
	SourceType     flexString `json:"source_type"`
	Body           flexString `json:"body"`
	Headline       flexString `json:"headline"`
	MediaType      flexString `json:"media_type"`
	ImageURL       flexString `json:"image_url"`
	VideoURL       flexString `json:"video_url"`
	ThumbnailURL   flexString `json:"thumbnail_url"`
	CtwaClid       flexString `json:"ctwa_clid"`
	WelcomeMessage *struct {
		Text flexString `json:"text"`
	} `json:"welcome_message"`
}

func (d referralDoc) referral() *Referral {
	r := &Referral{
		SourceURL: string(d.SourceURL), SourceID: string(d.SourceID), SourceType: string(d.SourceType),
		Body: string(d.Body), Headline: string(d.Headline), MediaType: string(d.MediaType),
		ImageURL: string(d.ImageURL), VideoURL: string(d.VideoURL), ThumbnailURL: string(d.ThumbnailURL),
		CtwaClid: string(d.CtwaClid),
	}
	if d.WelcomeMessage != nil {
		r.WelcomeText = string(d.WelcomeMessage.Text)
	}
	return r
}
