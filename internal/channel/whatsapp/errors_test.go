package whatsapp

import (
	"strings"
	"testing"
)

func TestErrorInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		title     string
		plainHas  string
		retryable bool
	}{
		{131047, "Re-engagement message", "More than 24 hours have passed since the customer last wrote; send an approved template", false},
		{470, "Outside the support window", "24 hours", false},
		{131026, "Message Undeliverable", "could not be delivered", false},
		{130429, "Rate limit hit", "per second", true},
		{131048, "Spam rate limit hit", "blocked or reported", true},
		{131056, "(Business, Consumer) pair rate limit hit", "this customer", true},
		{80007, "Rate limit issues", "rate limit", true},
		{4, "API Too Many Calls", "too many", true},
		{131051, "Unsupported message type", "not supported", false},
		{132000, "Template Param Count Mismatch", "variables", false},
		{132001, "Template does not exist", "not approved", false},
		{132015, "Template is Paused", "paused", false},
		{132016, "Template is Disabled", "disabled", false},
		{368, "Temporarily blocked for policies violations", "policy", false},
		{131000, "Something went wrong", "unknown reason", true},
		{131005, "Access denied", "permission", false},
		{131008, "Required parameter is missing", "required parameter", false},
		{131009, "Parameter value is not valid", "not valid", false},
		{131016, "Service unavailable", "temporarily unavailable", true},
		{131021, "Recipient cannot be sender", "own number", false},
		{131031, "Account has been locked", "locked", false},
		{131042, "Business eligibility payment issue", "payment", false},
		{131045, "Incorrect certificate", "re-register", false},
		{131052, "Media download error", "send it again", false},
		{131053, "Media upload error", "media", true},
		{100, "Invalid parameter", "parameter", false},
		{190, "Access token has expired", "new token", false},
		{10, "Permission Denied", "permission", false},
		{200, "API Permission", "permission", false},
		{299, "API Permission", "permission", false},
		{2, "API Service", "temporarily unavailable", true},
	}
	for _, tt := range tests {
		title, plain, retryable := ErrorInfo(tt.code)
		if title != tt.title || !strings.Contains(strings.ToLower(plain), strings.ToLower(tt.plainHas)) || retryable != tt.retryable {
			t.Errorf("ErrorInfo(%d) = %q, %q, %v; want %q, …%q…, %v", tt.code, title, plain, retryable, tt.title, tt.plainHas, tt.retryable)
		}
	}

	title, plain, retryable := ErrorInfo(987654)
	if title != "Unknown error" || !strings.Contains(plain, "987654") || retryable {
		t.Errorf("unknown code: %q, %q, %v", title, plain, retryable)
	}

	// Every explanation reads as a sentence an agent can act on.
	for code, info := range errorTable {
		if info.title == "" || !strings.HasSuffix(info.plain, ".") || strings.Contains(info.plain, "  ") {
			t.Errorf("code %d: %+v", code, info)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := Error{Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message", Details: "More than 24 hours."}
	if got, want := e.Error(), "whatsapp error 131047: Re-engagement message (More than 24 hours.)"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if got := (Error{Code: 5}).Error(); got != "whatsapp error 5" {
		t.Fatalf("bare Error() = %q", got)
	}
}
