package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"charla/internal/businessprofile"
	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/web/templates"
)

// This file is a WhatsApp number's business profile: shown as last read,
// synced on demand, edited, and its photo replaced. The service checks
// WhatsApp's rules first; a provider's refusal is shown word for word, and
// nothing changes in charla then.

func (h *handler) profilePage(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "profile")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The first visit reads the profile from the provider.
	stored, err := h.s.Profiles.Get(r.Context(), c.WorkspaceID, c.ID)
	h.showProfile(w, r, c, stored, err, nil, nil)
}

func (h *handler) syncProfile(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "profile")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.s.Profiles.Sync(r.Context(), c.WorkspaceID, c.ID); err != nil {
		h.profileFailed(w, r, c, err, nil)
		return
	}
	done(w, r, "/settings/channels/"+c.ID+"/profile", "profile-synced")
}

func (h *handler) updateProfile(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "profile")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := postedProfile(r)
	p := businessprofile.Profile{About: in.About, Address: in.Address, Description: in.Description,
		Email: in.Email, Vertical: in.Vertical, Websites: in.Websites[:]}
	if _, err := h.s.Profiles.Update(r.Context(), c.WorkspaceID, c.ID, p); err != nil {
		h.profileFailed(w, r, c, err, &in)
		return
	}
	done(w, r, "/settings/channels/"+c.ID+"/profile", "profile-saved")
}

// uploadPhoto makes the posted JPEG or PNG the profile picture.
func (h *handler) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.requestChannel(r, "profile")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit := int64(businessprofile.MaxPhotoBytes + formSlack)
	tooLarge := problem.Field("photo", "is larger than 10 MB; choose a smaller image")
	if r.ContentLength > limit {
		h.profileFailed(w, r, c, tooLarge, nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err = r.ParseMultipartForm(formMemory)
	defer func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		err = tooLarge
	case err != nil:
		err = problem.Field("photo", "choose a JPEG or PNG image to upload")
	}
	if err == nil {
		f, _, ferr := r.FormFile("photo")
		if ferr != nil {
			err = problem.Field("photo", "choose a JPEG or PNG image to upload")
		} else {
			defer f.Close()
			_, err = h.s.Profiles.SetPhoto(r.Context(), c.WorkspaceID, c.ID, f)
		}
	}
	if err != nil {
		h.profileFailed(w, r, c, err, nil)
		return
	}
	done(w, r, "/settings/channels/"+c.ID+"/profile", "photo-saved")
}

// postedProfile reads the profile form as typed.
func postedProfile(r *http.Request) templates.ProfileInput {
	in := templates.ProfileInput{About: r.PostFormValue("about"), Address: r.PostFormValue("address"),
		Description: r.PostFormValue("description"), Email: strings.TrimSpace(r.PostFormValue("email")),
		Vertical: strings.TrimSpace(r.PostFormValue("vertical"))}
	for i, w := range r.PostForm["website"] {
		if i < len(in.Websites) {
			in.Websites[i] = strings.TrimSpace(w)
		}
	}
	return in
}

// profileFailed shows the page again with what went wrong: field errors by
// their fields, a provider's refusal verbatim. typed is the form as posted
// (nil: show the stored profile).
func (h *handler) profileFailed(w http.ResponseWriter, r *http.Request, c channel.Channel, err error, typed *templates.ProfileInput) {
	p := problem.As(err)
	if p.Kind == problem.NotFound || p.Kind == problem.Internal {
		h.fail(w, r, err)
		return
	}
	// The stored copy frames the page; reading it calls no provider once stored.
	stored, gerr := h.s.Profiles.Get(r.Context(), c.WorkspaceID, c.ID)
	h.showProfile(w, r, c, stored, gerr, typed, err)
}

// showProfile renders the page: stored (or why it couldn't be read, loadErr),
// the form as typed or stored, and the error of a failed change.
func (h *handler) showProfile(w http.ResponseWriter, r *http.Request, c channel.Channel, stored businessprofile.Stored,
	loadErr error, typed *templates.ProfileInput, changeErr error) {
	v := templates.Profile{Settings: h.settings(r, "channels", c.Name+" · Profile"), Nav: h.channelNav(c, "profile")}
	status := http.StatusOK
	if loadErr != nil {
		p := problem.As(loadErr)
		if p.Kind == problem.NotFound || p.Kind == problem.Internal {
			h.fail(w, r, loadErr)
			return
		}
		v.LoadError, v.Notice, status = describe(p), "", p.Status()
	} else {
		v.Stored = &stored
		v.In = profileInput(stored.Profile)
	}
	if typed != nil {
		v.In = *typed
	}
	if changeErr != nil {
		p := problem.As(changeErr)
		status, v.Notice = p.Status(), ""
		if len(p.Fields) == 0 && p.Kind == problem.BadRequest {
			v.Refused = p.Message
		} else {
			_, v.Errors = h.formErrors(r, changeErr)
		}
	}
	if v.Stored != nil {
		allowImage(w, v.Stored.Profile.PictureURL)
	}
	h.render(w, r, status, templates.ProfilePage(v))
}

func profileInput(p businessprofile.Profile) templates.ProfileInput {
	p = businessprofile.Clean(p)
	in := templates.ProfileInput{About: p.About, Address: p.Address, Description: p.Description, Email: p.Email, Vertical: p.Vertical}
	copy(in.Websites[:], p.Websites)
	return in
}

// allowImage lets the page show an image from the provider's CDN (the
// profile photo): the policy gains exactly that origin for images.
func allowImage(w http.ResponseWriter, src string) {
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(uiCSP, "img-src 'self'", "img-src 'self' "+u.Scheme+"://"+u.Host, 1))
}
