package webchat

import (
	"net/http"

	"charla/internal/httpx"
)

type configView struct {
	Name        string  `json:"name"`
	Greeting    string  `json:"greeting"`
	Color       string  `json:"color"`
	PrechatForm Prechat `json:"prechat_form"`
}

// config is what the widget needs to draw itself before any visitor exists.
func (h *handler) config(w http.ResponseWriter, r *http.Request) {
	ch := channelFrom(r)
	s := Parse(ch.Settings)
	// Every page view asks; a minute of caching spares the database on busy sites.
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.JSON(w, http.StatusOK, configView{Name: ch.Name, Greeting: s.Greeting, Color: s.Color, PrechatForm: s.PrechatForm})
}
