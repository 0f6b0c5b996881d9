package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/web/templates"
)

func (h *handler) usersPage(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, templates.NewUser{Role: string(auth.Agent)}, templates.Errors{})
}

// renderUsers shows the users page, with the add form as typed and any errors.
func (h *handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, typed templates.NewUser, e templates.Errors) {
	users, err := h.s.Auth.ListUsers(r.Context(), currentUser(r.Context()).WorkspaceID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := templates.Users{Settings: h.settings(r, "users", "Users"), Users: users, New: typed}
	v.Errors = e
	h.render(w, r, status, templates.UsersPage(v))
}

func (h *handler) createUser(w http.ResponseWriter, r *http.Request) {
	typed := templates.NewUser{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Role: r.PostFormValue("role")}
	role, err := auth.ParseRole(typed.Role)
	if err == nil {
		_, err = h.s.Auth.CreateUser(r.Context(), currentUser(r.Context()), typed.Email, typed.Name, r.PostFormValue("password"), role)
	}
	if err != nil {
		status, e := h.formErrors(r, err)
		h.renderUsers(w, r, status, typed, e)
		return
	}
	done(w, r, "/settings/users", "user-created")
}

func (h *handler) updateUser(w http.ResponseWriter, r *http.Request) {
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil {
		_, err = h.s.Auth.UpdateUser(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id"), r.PostFormValue("name"), role)
	}
	if err != nil {
		h.usersFailed(w, r, err)
		return
	}
	done(w, r, "/settings/users", "user-updated")
}

func (h *handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Auth.DeleteUser(r.Context(), currentUser(r.Context()), chi.URLParam(r, "id")); err != nil {
		h.usersFailed(w, r, err)
		return
	}
	done(w, r, "/settings/users", "user-deleted")
}

// usersFailed shows a change to an existing user that was refused (last
// owner, not allowed …) above the list.
func (h *handler) usersFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, e := h.formErrors(r, err)
	if len(e.Fields) > 0 {
		e.Message = fieldSentence(e.Fields)
		e.Fields = nil // they belong to a row, not to the add form
	}
	h.renderUsers(w, r, status, templates.NewUser{Role: string(auth.Agent)}, e)
}
