package web

import (
	"net/http"

	"charla/internal/web/templates"
)

// notices are the confirmations a settings page shows after a redirect. The
// URL carries only a key, so nobody can make the page say something else.
var notices = map[string]string{
	"user-created": "User added.", "user-updated": "User saved.", "user-deleted": "User deleted.",
	"team-created": "Team created.", "team-renamed": "Team renamed.", "team-deleted": "Team deleted.",
	"member-added": "Member added.", "member-removed": "Member removed.",
	"channel-created": "Channel created. Install the snippet below on your site.",
	"channel-updated": "Channel saved.", "channel-deleted": "Channel deleted.",
	"provider-created": "Channel connected. Paste the values below at the provider, then check the connection.",
	"channel-checked":  "Connection works.", "check-failed": "The check failed; the provider's answer is under Troubleshooting.",
	"token-revoked":         "Token revoked.",
	"templates-synced":      "Templates synced with WhatsApp.",
	"templates-sync-failed": "The sync failed; WhatsApp's answer is below.",
	"template-submitted":    "Template submitted. WhatsApp reviews it, usually within minutes; this list shows the decision as soon as it arrives.",
	"template-deleted":      "Template deleted at WhatsApp.",
	"profile-synced":        "Profile read from WhatsApp.", "profile-saved": "Profile saved at WhatsApp.",
	"photo-saved": "Profile photo updated at WhatsApp.",
}

// settingsHome opens the first settings page the user may see.
func (h *handler) settingsHome(w http.ResponseWriter, r *http.Request) {
	if currentUser(r.Context()).CanManage() {
		http.Redirect(w, r, "/settings/users", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
}

// settings frames a settings page, with the notice named by ?done=.
func (h *handler) settings(r *http.Request, section, title string) templates.Settings {
	return templates.Settings{
		Layout: h.layout(r, title, "settings"), Section: section, Notice: notices[r.URL.Query().Get("done")],
	}
}

// done redirects after a successful change, naming the notice to show.
func done(w http.ResponseWriter, r *http.Request, path, notice string) {
	http.Redirect(w, r, path+"?done="+notice, http.StatusSeeOther)
}
