package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// BusinessProfile is the number's WhatsApp business profile.
type BusinessProfile struct {
	About, Address, Description, Email, Vertical string
	Websites                                     []string
	ProfilePictureURL                            string
}

// verticals are the values POST accepts (providers.md §1.12); GET may
// also show UNDEFINED or NOT_A_BIZ, which are never set by a client.
var verticals = []string{"OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE",
	"GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT",
	"ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS"}

// Profile returns the current business profile.
func (e *Emulator) Profile() BusinessProfile {
	e.mu.RLock()
	defer e.mu.RUnlock()
	p := e.profile
	p.Websites = slices.Clone(p.Websites)
	return p
}

// businessProfile serves GET|POST …/whatsapp_business_profile on both APIs.
func (e *Emulator) businessProfile(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		e.getProfile(w, r)
	case http.MethodPost:
		e.updateProfile(w, r)
	default:
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, "whatsapp_business_profile"))
	}
}

// getProfile answers with the fields flat inside data[0], as Meta's page,
// pywa and 360dialog show (providers.md §1.12 notes the OpenAPI example
// nests them; the flat form is what clients parse).
func (e *Emulator) getProfile(w http.ResponseWriter, r *http.Request) {
	p := e.Profile()
	all := map[string]any{
		"about": p.About, "address": p.Address, "description": p.Description, "email": p.Email,
		"profile_picture_url": p.ProfilePictureURL, "websites": p.Websites, "vertical": p.Vertical,
	}
	if p.Websites == nil {
		all["websites"] = []string{}
	}
	if p.Vertical == "" {
		all["vertical"] = "UNDEFINED"
	}
	out := map[string]any{"messaging_product": "whatsapp"}
	fields := r.URL.Query().Get("fields")
	for k, v := range all {
		if fields == "" || slices.Contains(strings.Split(fields, ","), k) {
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{out}})
}

type profileUpdate struct {
	MessagingProduct     *string   `json:"messaging_product"`
	About                *string   `json:"about"`
	Address              *string   `json:"address"`
	Description          *string   `json:"description"`
	Email                *string   `json:"email"`
	Vertical             *string   `json:"vertical"`
	Websites             *[]string `json:"websites"`
	ProfilePictureHandle *string   `json:"profile_picture_handle"`
}

func (e *Emulator) updateProfile(w http.ResponseWriter, r *http.Request) {
	var u profileUpdate
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
		e.graphError(w, http.StatusBadRequest, invalidParam("request body is not a JSON object"))
		return
	}
	if u.MessagingProduct == nil {
		e.graphError(w, http.StatusBadRequest, missingParam("messaging_product"))
		return
	}
	if msg := checkProfile(u); msg != "" {
		e.graphError(w, http.StatusBadRequest, invalidParam(msg))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	pictureURL := ""
	if u.ProfilePictureHandle != nil {
		id, ok := e.handles[*u.ProfilePictureHandle]
		if !ok {
			e.graphError(w, http.StatusBadRequest, invalidParam("profile_picture_handle is not a handle from the Resumable Upload API."))
			return
		}
		pictureURL = (&url.URL{Scheme: requestScheme(r), Host: r.Host, Path: "/profile_picture/" + id}).String()
	}
	p := &e.profile
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.About, u.About)
	set(&p.Address, u.Address)
	set(&p.Description, u.Description)
	set(&p.Email, u.Email)
	set(&p.Vertical, u.Vertical)
	if u.Websites != nil {
		p.Websites = slices.Clone(*u.Websites)
	}
	if pictureURL != "" {
		p.ProfilePictureURL = pictureURL
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// checkProfile applies the documented limits; description allows 512 (the
// larger of the two documented limits, so the emulator never refuses what
// Meta may accept).
func checkProfile(u profileUpdate) string {
	n := func(s *string) int { return utf8.RuneCountInString(*s) }
	switch {
	case *u.MessagingProduct != "whatsapp":
		return `messaging_product must be "whatsapp".`
	case u.About != nil && (n(u.About) < 1 || n(u.About) > 139):
		return "about must be 1 to 139 characters."
	case u.Address != nil && n(u.Address) > 256:
		return "address must be at most 256 characters."
	case u.Description != nil && n(u.Description) > 512:
		return "description must be at most 512 characters."
	case u.Email != nil && *u.Email != "" && (n(u.Email) > 128 || !validEmail(*u.Email)):
		return "email must be a valid email address of at most 128 characters."
	case u.Vertical != nil && !slices.Contains(verticals, *u.Vertical):
		return fmt.Sprintf("vertical must be one of %s.", strings.Join(verticals, ", "))
	case u.Websites != nil && len(*u.Websites) > 2:
		return "websites may list at most 2 URLs."
	}
	if u.Websites != nil {
		for _, s := range *u.Websites {
			if len(s) > 256 || !(strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
				return "each website must start with http:// or https:// and be at most 256 characters."
			}
		}
	}
	return ""
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// profilePicture serves an uploaded profile picture publicly, as Meta's
// profile picture CDN URLs are.
func (e *Emulator) profilePicture(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.RLock()
	used := e.profile.ProfilePictureURL != "" && strings.HasSuffix(e.profile.ProfilePictureURL, "/profile_picture/"+id)
	e.mu.RUnlock()
	data, typ, ok := e.Media(id)
	if !used || !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", typ)
	_, _ = w.Write(data)
}
