package broadcast

import "strings"

// Codes charla gives recipients that never reached the provider; provider
// failures keep the provider's own code.
const (
	CodeNoAddress      = "no_address"      // skipped: no phone number, not known on the channel
	CodeContactDeleted = "contact_deleted" // skipped
	CodeOptedOut       = "opted_out"       // skipped: opted out after the broadcast started
	CodeVariable       = "variable"        // failed: a template variable has no usable value for the contact
	CodeNotSendable    = "not_sendable"    // failed: the channel refused the message for this contact
)

// pauseCodes are provider errors about the sending number, account or
// template rather than one recipient (providers.md §1.15): every further
// message would fail alike or hurt the number's standing, so a broadcast
// meeting one pauses, saying why. They are the WhatsApp Cloud API's (the
// Graph API's, which Messenger shares).
var pauseCodes = map[string]string{
	"131048": "WhatsApp limits this number because many recipients blocked or reported it (spam rate limit); wait for the number's quality to recover before resuming",
	"368":    "WhatsApp temporarily blocked this number for policy violations; check WhatsApp Manager before resuming",
	"131031": "the business account is locked; check WhatsApp Manager before resuming",
	"131042": "the business account has a payment problem; fix it in Meta Business Manager, then resume",
	"132015": "WhatsApp paused the template because of low quality; edit it or choose another, then resume",
	"132016": "WhatsApp disabled the template; choose another template",
	"132001": "the template does not exist in this language or is not approved; sync templates, then resume",
	"190":    "the channel's access token expired or was revoked; reconnect the channel, then resume",
	"10":     "the app lost its permission to send; reconnect the channel, then resume",
	"131005": "the app lost its permission to send; reconnect the channel, then resume",
	"133010": "the phone number is not registered with the Cloud API; register it, then resume",
}

// PauseReason is why a broadcast pauses on provider error code, or "" when
// the error concerns one recipient only.
func PauseReason(code, title string) string {
	why, ok := pauseCodes[code]
	if !ok {
		return ""
	}
	if title != "" {
		return "paused automatically after error " + code + " (" + title + "): " + why
	}
	return "paused automatically after error " + code + ": " + why
}

// retryLater are failures that may pass if the same message is sent later.
var retryLater = map[string]bool{
	"1": true, "2": true, "4": true, "80007": true, "130429": true, "131000": true, "131016": true, "131048": true,
	"131049": true, "131056": true, "131057": true, "132015": true, "132069": true, "133004": true,
	CodeVariable: true, // once the contact's field is filled in
}

// Retryable tells whether "retry failed" should send to a recipient that
// failed with code and reason again: throttling and outages, a per-user
// marketing limit, a paused template, a contact field added since, or a
// send that gave up after its retries.
func Retryable(code, reason string) bool {
	if retryLater[code] {
		return true
	}
	return code == "" && (strings.HasPrefix(reason, "gave up after") || strings.HasPrefix(reason, "could not reach the provider"))
}

// advice says what to do about recipients failed or skipped with a code.
var advice = map[string]string{
	CodeNoAddress:      "Add a phone number to these contacts, or leave them out of the audience.",
	CodeContactDeleted: "Nothing to do: the contacts were deleted after the broadcast started.",
	CodeOptedOut:       "Nothing to do: they asked for no more broadcasts. An agent can re-subscribe a contact who asks to.",
	CodeVariable:       "Fill in the contact field the template uses (or map the variable to another field), then retry failed.",
	CodeNotSendable:    "These contacts can only be reached with an approved template on this channel.",
	"131026":           "Check the numbers: they may not be on WhatsApp, use an old app version, or have blocked the business. Remove numbers that keep failing.",
	"131049":           "Meta limits how many marketing messages one person receives; retry failed later, or send them something else.",
	"131050":           "They stopped marketing messages from this business in WhatsApp; leave them out of marketing broadcasts.",
	"131047":           "A free-form message needs a conversation opened in the last 24 hours; send an approved template.",
	"130472":           "Meta held the message back for a marketing experiment; nothing to do.",
	"130429":           "The number's throughput was exceeded; lower the channel's rate limit, then retry failed.",
	"131056":           "Too many messages to the same person in a short time; retry failed later.",
	"131048":           "Many recipients blocked or reported the number; improve the message's quality and wait before retrying.",
	"132000":           "The values do not match the template's variables; fix the broadcast's variable mapping.",
	"132012":           "A variable's value has the wrong format for the template; fix the mapping.",
	"132007":           "A variable's value has line breaks, tabs or too many spaces; fix the contact field or the mapping.",
	"132001":           "The template does not exist in this language or is not approved yet; sync templates, check the language.",
	"132015":           "The template was paused for low quality; edit it or choose another, then retry failed.",
	"132016":           "The template was disabled; choose another template.",
	"131000":           "WhatsApp failed for an unknown reason; retry failed later.",
	"131016":           "WhatsApp was unavailable; retry failed later.",
	"2":                "WhatsApp was unavailable; retry failed later.",
	"368":              "The number is blocked for policy violations; check WhatsApp Manager.",
	"131031":           "The business account is locked; check WhatsApp Manager.",
	"131042":           "Fix the payment method in Meta Business Manager, then retry failed.",
	"190":              "Reconnect the channel with a valid access token, then retry failed.",
}

// Advice is what to do about failures with code ("" when charla has no advice beyond the reason).
func Advice(code string) string { return advice[code] }
