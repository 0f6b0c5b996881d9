package wa

import (
	"context"

	"charla/internal/businessprofile"
	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
)

// The WhatsApp types' numbers have a business profile: these methods make
// them a businessprofile.Provider.

func (t *Type) BusinessProfile(ctx context.Context, ch channel.Channel, secrets map[string]string) (businessprofile.Profile, error) {
	p, err := t.client(ch, secrets).BusinessProfile(ctx)
	if err != nil {
		return businessprofile.Profile{}, providerProblem("Reading the business profile from WhatsApp failed", err)
	}
	return businessprofile.Profile{About: p.About, Address: p.Address, Description: p.Description,
		Email: p.Email, Vertical: p.Vertical, Websites: p.Websites, PictureURL: p.ProfilePictureURL}, nil
}

// UpdateBusinessProfile sends every field of p, so a cleared address is
// cleared at WhatsApp too; an unset vertical is left out, since WhatsApp
// can't clear one.
func (t *Type) UpdateBusinessProfile(ctx context.Context, ch channel.Channel, secrets map[string]string, p *businessprofile.Profile, photo []byte) error {
	c := t.client(ch, secrets)
	var u whatsapp.ProfileUpdate
	if p != nil {
		u = whatsapp.ProfileUpdate{About: &p.About, Address: &p.Address, Description: &p.Description,
			Email: &p.Email, Websites: &p.Websites}
		if p.Vertical != "" {
			u.Vertical = &p.Vertical
		}
	}
	if photo != nil {
		h, err := c.ResumableUpload(ctx, "profile.jpg", businessprofile.PhotoMIME, photo)
		if err != nil {
			return providerProblem("Uploading the photo to WhatsApp failed", err)
		}
		u.ProfilePictureHandle = h
	}
	if err := c.UpdateBusinessProfile(ctx, u); err != nil {
		return providerProblem("WhatsApp refused the profile", err)
	}
	return nil
}

func (t *Type) ProfileLimits() businessprofile.Limits {
	if t.provider == whatsapp.Dialog360 {
		return businessprofile.DialogLimits
	}
	return businessprofile.CloudLimits
}
