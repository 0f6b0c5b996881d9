package webchat

import (
	"net/url"

	"charla/internal/channel"
)

// ChatLink is the channel's chat page, for sharing the chat where no
// website embeds the widget. A prefilled text has no meaning there.
func (Type) ChatLink(ch channel.Channel, _ channel.Health, baseURL, _ string) (string, error) {
	return baseURL + "/demo/" + url.PathEscape(ch.ID), nil
}
