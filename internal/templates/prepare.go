package templates

import (
	"context"

	"charla/internal/contacts"
)

// Prepare is a template send's one step for every surface (composer, API,
// broadcasts, automations): find name on the channel in language (or its
// fallback language), resolve the dynamic values for contact c and the
// sending agent, and render. A template that may not be sent, or a value
// that is missing, is refused here, before anything is queued.
func (s *Service) Prepare(ctx context.Context, ws, channelID, name, language string, v Values, c contacts.Contact, agentName string) (RenderResult, error) {
	t, err := s.Find(ctx, ws, channelID, name, language)
	if err != nil {
		return RenderResult{}, err
	}
	v.Vars = ResolveVars(c, agentName)
	return Render(t, v)
}
