package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/web/templates"
)

func (h *handler) teamsPage(w http.ResponseWriter, r *http.Request) {
	h.renderTeams(w, r, http.StatusOK, "", templates.Errors{})
}

func (h *handler) renderTeams(w http.ResponseWriter, r *http.Request, status int, newName string, e templates.Errors) {
	ws := currentUser(r.Context()).WorkspaceID
	teams, err := h.s.Auth.ListTeams(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, err := h.s.Auth.ListUsers(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := templates.Teams{Settings: h.settings(r, "teams", "Teams"), Teams: teams, Users: users, NewName: newName}
	v.Errors = e
	h.render(w, r, status, templates.TeamsPage(v))
}

// teamsFailed re-renders the page with the refusal. Field errors are shown
// next to the new-team form; for a change to an existing team they become
// the message, since they don't belong to that form.
func (h *handler) teamsFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, e := h.formErrors(r, err)
	if len(e.Fields) > 0 {
		e.Message, e.Fields = fieldSentence(e.Fields), nil
	}
	h.renderTeams(w, r, status, "", e)
}

func (h *handler) createTeam(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	if _, err := h.s.Auth.CreateTeam(r.Context(), currentUser(r.Context()), name); err != nil {
		status, e := h.formErrors(r, err)
		h.renderTeams(w, r, status, name, e)
		return
	}
	done(w, r, "/settings/teams", "team-created")
}

func (h *handler) renameTeam(w http.ResponseWriter, r *http.Request) {
	if _, err := h.s.Auth.RenameTeam(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), r.PostFormValue("name")); err != nil {
		h.teamsFailed(w, r, err)
		return
	}
	done(w, r, "/settings/teams", "team-renamed")
}

func (h *handler) deleteTeam(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Auth.DeleteTeam(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id")); err != nil {
		h.teamsFailed(w, r, err)
		return
	}
	done(w, r, "/settings/teams", "team-deleted")
}

func (h *handler) addTeamMember(w http.ResponseWriter, r *http.Request) {
	err := h.s.Auth.AddTeamMember(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), r.PostFormValue("user_id"))
	if err != nil {
		h.teamsFailed(w, r, err)
		return
	}
	done(w, r, "/settings/teams", "member-added")
}

func (h *handler) removeTeamMember(w http.ResponseWriter, r *http.Request) {
	err := h.s.Auth.RemoveTeamMember(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), chi.URLParam(r, "user"))
	if err != nil {
		h.teamsFailed(w, r, err)
		return
	}
	done(w, r, "/settings/teams", "member-removed")
}
