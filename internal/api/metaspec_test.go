package api

import (
	"testing"

	validator "github.com/pb33f/libopenapi-validator"

	"charla/internal/metaspec"
)

// metaSendValidator validates requests to the Cloud API's send endpoint
// against Meta's official OpenAPI description, with the defects that make it
// reject requests Meta itself documents patched (metaspec.PatchSendDefects;
// internal/channel/whatsapp's TestOfficialSpecDefects proves each one). It
// skips the calling test, loudly, when the file is absent.
func metaSendValidator(t *testing.T) validator.Validator {
	t.Helper()
	return metaspec.SendValidator(t, metaspec.Load(t, "the template send is NOT being checked against Meta's spec"), true)
}
