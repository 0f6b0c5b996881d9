package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Error is one WhatsApp error object as it appears in statuses[].errors,
// messages[].errors and value.errors: {code, title, message,
// error_data{details}, href}.
type Error struct {
	Code    int
	Title   string
	Message string
	Details string
	Href    string
}

func (e Error) Error() string {
	s := fmt.Sprintf("whatsapp error %d", e.Code)
	if t := firstNonEmpty(e.Title, e.Message); t != "" {
		s += ": " + t
	}
	if e.Details != "" && e.Details != e.Title && e.Details != e.Message {
		s += " (" + e.Details + ")"
	}
	return s
}

// Plain is the plain-language explanation of e for an agent.
func (e Error) Plain() string {
	_, plain, _ := ErrorInfo(e.Code)
	return plain
}

// Retryable tells whether the same request may succeed if sent again later.
func (e Error) Retryable() bool {
	_, _, r := ErrorInfo(e.Code)
	return r
}

// WebhookError is a value-level error (value.errors[]): a problem with the
// business account or app rather than with one message.
type WebhookError struct {
	Error
	PhoneNumberID string
	WABAID        string
	Raw           json.RawMessage
	Problems      []string
}

type errorDoc struct {
	Code      flexInt    `json:"code"`
	Title     flexString `json:"title"`
	Message   flexString `json:"message"`
	Href      flexString `json:"href"`
	ErrorData *struct {
		Details flexString `json:"details"`
	} `json:"error_data"`
}

func (d errorDoc) error() Error {
	e := Error{Code: int(d.Code), Title: string(d.Title), Message: string(d.Message), Href: string(d.Href)}
	if d.ErrorData != nil {
		e.Details = string(d.ErrorData.Details)
	}
	return e
}

// decodeErrors reads an errors array element by element so one odd entry
// does not hide the others.
func decodeErrors(o object, key string) []Error {
	var raws []json.RawMessage
	if !o.decode(key, &raws) {
		return nil
	}
	out := make([]Error, 0, len(raws))
	for i, raw := range raws {
		var d errorDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			o.problem(fmt.Sprintf("%s[%d]", key, i), err)
			continue
		}
		out = append(out, d.error())
	}
	return out
}

type errorInfo struct {
	title, plain string
	retryable    bool
}

// errorTable explains the codes of providers.md §1.15 in words an agent can
// act on. retryable means the same request may succeed unchanged later
// (throttling, outages); everything else needs a human or a different
// message.
var errorTable = map[int]errorInfo{
	0:   {"AuthException", "WhatsApp could not authenticate the app; reconnect the channel with a valid access token.", false},
	1:   {"API Unknown", "WhatsApp reported an unknown error with the request; check the channel settings and the message.", false},
	2:   {"API Service", "WhatsApp is temporarily unavailable (downtime or overload); try again later.", true},
	3:   {"API Method", "The app lacks a capability or permission needed for this call; check the app's permissions in Meta.", false},
	4:   {"API Too Many Calls", "The app made too many API calls in a short time; try again after a pause.", true},
	10:  {"Permission Denied", "A permission this action needs was not granted or was removed; reconnect the channel and grant WhatsApp messaging permissions.", false},
	33:  {"Parameter value is not valid", "The business phone number was deleted or its ID is wrong; check the channel settings.", false},
	100: {"Invalid parameter", "WhatsApp rejected a parameter of the request as unsupported or misspelled; resending the same message will not help.", false},
	190: {"Access token has expired", "The access token has expired or was revoked; reconnect the channel with a new token.", false},
	368: {"Temporarily blocked for policies violations", "The business number is temporarily blocked from sending because of WhatsApp policy violations; check WhatsApp Manager.", false},
	// 470 is the retired On-Premises code for the same rule as 131047.
	470:    {"Outside the support window", "More than 24 hours have passed since the customer last wrote; send an approved template.", false},
	80007:  {"Rate limit issues", "The WhatsApp Business Account reached its rate limit; try again after a pause.", true},
	130429: {"Rate limit hit", "Too many messages per second for this number (Cloud API throughput); try again shortly.", true},
	130472: {"User's number is part of an experiment", "Meta withheld this marketing message because the customer is part of a marketing-message experiment.", false},
	130497: {"Business account restricted from messaging users in this country", "This business account may not message customers in the recipient's country.", false},
	131000: {"Something went wrong", "WhatsApp failed to send for an unknown reason; try again later.", true},
	131005: {"Access denied", "A permission needed to send was not granted or was removed; reconnect the channel.", false},
	131008: {"Required parameter is missing", "The request lacked a required parameter; resending the same message will not help.", false},
	131009: {"Parameter value is not valid", "A value in the request is not valid (for example the phone number or media ID); resending the same message will not help.", false},
	131016: {"Service unavailable", "WhatsApp is temporarily unavailable; try again later.", true},
	131021: {"Recipient cannot be sender", "The message was addressed to the business's own number.", false},
	131026: {"Message Undeliverable", "The message could not be delivered: the number may not be on WhatsApp, may use an old WhatsApp version, may not have accepted the latest terms, or may have blocked this business.", false},
	131031: {"Account has been locked", "The business account is locked (policy violation or failed verification, such as a wrong two-step PIN); check WhatsApp Manager.", false},
	131042: {"Business eligibility payment issue", "There is a problem with the payment method of the WhatsApp Business Account; messages cannot be sent until it is fixed in Meta Business Manager.", false},
	131045: {"Incorrect certificate", "The phone number's registration is broken (incorrect certificate); re-register the number.", false},
	131047: {"Re-engagement message", "More than 24 hours have passed since the customer last wrote; send an approved template.", false},
	131048: {"Spam rate limit hit", "Sending from this number is restricted because many recipients blocked or reported it; sending later may work, but message quality must improve.", true},
	131049: {"Not delivered to maintain healthy ecosystem engagement", "Meta did not deliver this marketing message because the customer has received many recently; try later or send something else.", false},
	131050: {"User stopped marketing messages", "The customer chose to stop receiving marketing messages from this business.", false},
	131051: {"Unsupported message type", "This message type is not supported by WhatsApp.", false},
	131052: {"Media download error", "WhatsApp could not download the media the customer sent; ask them to send it again.", false},
	131053: {"Media upload error", "WhatsApp could not fetch or process the attached media (unsupported type, too large or unreachable); try again, and if it keeps failing check the file.", true},
	131056: {"(Business, Consumer) pair rate limit hit", "Too many messages were sent to this customer in a short time; try again after a pause. Other customers are unaffected.", true},
	131057: {"Account in maintenance mode", "The business account is in maintenance (for example a throughput upgrade); try again later.", true},
	132000: {"Template Param Count Mismatch", "The number of variables does not match the approved template.", false},
	132001: {"Template does not exist", "The template does not exist in that language or is not approved yet.", false},
	132005: {"Template Hydrated Text Too Long", "With its variables filled in, the template text is too long.", false},
	132007: {"Template Format Character Policy Violated", "A template variable breaks WhatsApp's formatting rules (for example newlines, tabs or too many spaces).", false},
	132012: {"Template Parameter Format Mismatch", "A template variable has the wrong format for the approved template.", false},
	132015: {"Template is Paused", "The template is paused because of low quality; edit it or use another template.", false},
	132016: {"Template is Disabled", "The template was disabled because of low quality; use another template.", false},
	132068: {"Flow is blocked", "The WhatsApp Flow in this message is blocked.", false},
	132069: {"Flow is throttled", "The WhatsApp Flow in this message is throttled; try again later.", true},
	133000: {"Incomplete Deregistration", "A previous deregistration of this number did not finish; deregister it again before registering.", false},
	133004: {"Server Temporarily Unavailable", "WhatsApp is temporarily unavailable; try again later.", true},
	133005: {"Two-step verification PIN Mismatch", "The two-step verification PIN is wrong.", false},
	133006: {"Phone number re-verification needed", "The phone number must be verified again before it can be registered.", false},
	133008: {"Too many two-step verification PIN guesses", "Too many wrong two-step verification PINs; wait before trying again.", false},
	133009: {"Two-step verification PIN guessed too fast", "Two-step verification PINs were tried too quickly; wait before trying again.", false},
	133010: {"Phone number Not Registered", "The phone number is not registered with the Cloud API; register it first.", false},
	133015: {"Please wait a few minutes before attempting to register this phone number", "The number was deleted recently; wait a few minutes before registering it.", false},
	133016: {"Account register/deregister rate limit exceeded", "The number was registered or deregistered too many times; wait before trying again.", true},
	135000: {"Generic user error", "WhatsApp reported an unexpected error with the request parameters.", false},
}

// ErrorInfo explains a WhatsApp error code: its title, a plain-language
// sentence for an agent, and whether retrying the same request may work.
// Unknown codes get a generic explanation naming the code.
func ErrorInfo(code int) (title, plain string, retryable bool) {
	if i, ok := errorTable[code]; ok {
		return i.title, i.plain, i.retryable
	}
	if code >= 200 && code <= 299 {
		return "API Permission", "A permission this action needs was not granted or was removed; reconnect the channel and grant WhatsApp permissions.", false
	}
	return "Unknown error", fmt.Sprintf("WhatsApp reported error %d, which charla does not know yet; see Meta's WhatsApp error-code reference.", code), false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
