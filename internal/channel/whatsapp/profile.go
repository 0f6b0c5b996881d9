package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"charla/internal/problem"
)

// BusinessProfile is the number's WhatsApp business profile, as customers
// see it (providers.md §1.12).
type BusinessProfile struct {
	About, Address, Description, Email, ProfilePictureURL string
	// Vertical is the industry (RESTAURANT, RETAIL, …); UNDEFINED or
	// NOT_A_BIZ when none was set.
	Vertical string
	Websites []string
}

// ProfileUpdate changes the business profile. A nil field is left as it
// is; a set one is sent, so an empty Address clears the address. Websites
// replaces the whole list. ProfilePictureHandle, when not empty, is a
// handle from ResumableUpload.
type ProfileUpdate struct {
	About, Address, Description, Email, Vertical *string
	Websites                                     *[]string
	ProfilePictureHandle                         string
}

const profileFields = "about,address,description,email,profile_picture_url,websites,vertical"

type profileDoc struct {
	About             flexString `json:"about"`
	Address           flexString `json:"address"`
	Description       flexString `json:"description"`
	Email             flexString `json:"email"`
	ProfilePictureURL flexString `json:"profile_picture_url"`
	Vertical          flexString `json:"vertical"`
	Websites          []string   `json:"websites"`
}

// BusinessProfile reads the number's business profile. The fields are flat
// in data[0] on Meta's page, pywa and 360dialog, but nested under
// data[0].business_profile in Meta's OpenAPI example (providers.md §7 #2);
// both are read.
func (c *Client) BusinessProfile(ctx context.Context) (BusinessProfile, error) {
	u := c.endpoint(true, "whatsapp_business_profile") + "?fields=" + url.QueryEscape(profileFields)
	var resp struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := c.doJSON(ctx, http.MethodGet, u, nil, &resp); err != nil {
		return BusinessProfile{}, err
	}
	if len(resp.Data) == 0 {
		return BusinessProfile{}, errors.New("whatsapp: business profile response has no data")
	}
	raw := resp.Data[0]
	var nested struct {
		BusinessProfile json.RawMessage `json:"business_profile"`
	}
	if json.Unmarshal(raw, &nested) == nil && len(nested.BusinessProfile) > 0 && nested.BusinessProfile[0] == '{' {
		raw = nested.BusinessProfile
	}
	var d profileDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return BusinessProfile{}, errors.New("whatsapp: decoding business profile: " + err.Error())
	}
	return BusinessProfile{
		About: string(d.About), Address: string(d.Address), Description: string(d.Description),
		Email: string(d.Email), ProfilePictureURL: string(d.ProfilePictureURL), Vertical: string(d.Vertical),
		Websites: d.Websites,
	}, nil
}

// UpdateBusinessProfile sends the fields u sets. They are checked against
// the documented limits first, so the agent learns which field to fix.
func (c *Client) UpdateBusinessProfile(ctx context.Context, u ProfileUpdate) error {
	if err := u.validate(); err != nil {
		return err
	}
	body := map[string]any{"messaging_product": "whatsapp"}
	for k, v := range map[string]*string{"about": u.About, "address": u.Address, "description": u.Description, "email": u.Email, "vertical": u.Vertical} {
		if v != nil {
			body[k] = *v
		}
	}
	if u.Websites != nil {
		body["websites"] = append([]string{}, *u.Websites...) // [] rather than null clears the list
	}
	if u.ProfilePictureHandle != "" {
		body["profile_picture_handle"] = u.ProfilePictureHandle
	}
	var resp struct {
		Success *bool `json:"success"`
	}
	if err := c.doJSON(ctx, http.MethodPost, c.endpoint(true, "whatsapp_business_profile"), body, &resp); err != nil {
		return err
	}
	if resp.Success != nil && !*resp.Success {
		return errors.New("whatsapp: business profile update was not acknowledged")
	}
	return nil
}

// validate refuses an update that sets nothing. WhatsApp's field rules
// live in internal/businessprofile, which every charla edit passes first.
func (u ProfileUpdate) validate() error {
	if u.About == nil && u.Address == nil && u.Description == nil && u.Email == nil && u.Vertical == nil &&
		u.Websites == nil && u.ProfilePictureHandle == "" {
		return problem.New(problem.Invalid, "the profile update changes nothing")
	}
	return nil
}
