package api

import (
	"net/http"

	"charla/internal/businessprofile"
	"charla/internal/httpx"
)

// A WhatsApp channel's business profile, as its provider has it. Owners and
// admins only: it is the business's public face.

// profileJSON is the spec's BusinessProfile.
type profileJSON struct {
	About             string            `json:"about"`
	Address           string            `json:"address"`
	Description       string            `json:"description"`
	Email             string            `json:"email"`
	Vertical          *string           `json:"vertical"`
	Websites          []string          `json:"websites"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	SyncedAt          string            `json:"synced_at"`
	Limits            profileLimitsJSON `json:"limits"`
}

type profileLimitsJSON struct {
	About       int `json:"about"`
	Address     int `json:"address"`
	Description int `json:"description"`
	Email       int `json:"email"`
	Websites    int `json:"websites"`
	Website     int `json:"website"`
}

func profileOut(s businessprofile.Stored) profileJSON {
	p := businessprofile.Clean(s.Profile)
	return profileJSON{About: p.About, Address: p.Address, Description: p.Description, Email: p.Email,
		Vertical: optString(p.Vertical), Websites: nonNil(p.Websites), ProfilePictureURL: optString(s.Profile.PictureURL),
		SyncedAt: timestamp(s.SyncedAt),
		Limits: profileLimitsJSON{About: businessprofile.AboutMax, Address: businessprofile.AddressMax,
			Description: s.Limits.DescriptionMax, Email: businessprofile.EmailMax,
			Websites: businessprofile.WebsitesMax, Website: businessprofile.WebsiteMax}}
}

// profileRequest is the spec's UpdateBusinessProfileRequest: fields left
// out keep their values.
type profileRequest struct {
	About       *string   `json:"about"`
	Address     *string   `json:"address"`
	Description *string   `json:"description"`
	Email       *string   `json:"email"`
	Vertical    *string   `json:"vertical"`
	Websites    *[]string `json:"websites"`
}

func (a *server) getProfile(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.s.Profiles.Get(r.Context(), user(r).WorkspaceID, id)
	a.writeProfile(w, r, p, err)
}

func (a *server) syncProfile(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.s.Profiles.Sync(r.Context(), user(r).WorkspaceID, id)
	a.writeProfile(w, r, p, err)
}

// updateProfile merges the request into the profile as charla last read it,
// then has the service check it against WhatsApp's rules and the provider's
// current profile and send it whole.
func (a *server) updateProfile(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req profileRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	cur, err := a.s.Profiles.Get(r.Context(), ws, id)
	if err != nil || req == (profileRequest{}) {
		// An empty body changes nothing.
		a.writeProfile(w, r, cur, err)
		return
	}
	next := cur.Profile
	for _, f := range []struct{ dst, v *string }{{&next.About, req.About}, {&next.Address, req.Address},
		{&next.Description, req.Description}, {&next.Email, req.Email}, {&next.Vertical, req.Vertical}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if req.Websites != nil {
		next.Websites = *req.Websites
	}
	p, err := a.s.Profiles.Update(r.Context(), ws, id, next)
	a.writeProfile(w, r, p, err)
}

func (a *server) writeProfile(w http.ResponseWriter, r *http.Request, p businessprofile.Stored, err error) {
	if err != nil {
		a.error(w, r, providerFailed(err))
		return
	}
	httpx.JSON(w, http.StatusOK, profileOut(p))
}
