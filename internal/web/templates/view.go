// Package templates renders the agent UI. Components take plain view structs
// filled by package web; every value from data goes through templ's escaping.
package templates

import (
	"net/url"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/inbox"
)

// Layout frames a page.
type Layout struct {
	Title string
	// Nav marks the current section: "inbox" or "settings".
	Nav string
	// User is nil on the sign-in and first-run pages.
	User *auth.User
}

// Errors are a form's problems: one message and what is wrong per field.
type Errors struct {
	Message string
	Fields  map[string]string
}

// Field returns the problem with field name, or "".
func (e Errors) Field(name string) string { return e.Fields[name] }

// SetupForm is what the first-run form was filled with.
type SetupForm struct{ Workspace, Name, Email string }

// LoginForm is what the sign-in form was filled with.
type LoginForm struct{ Email, Next string }

// Filter is the conversation list's selection, kept in the URL.
type Filter struct {
	// Tab is mine, unassigned or all.
	Tab string
	// Status is open, pending, snoozed or closed.
	Status string
	Q      string
}

// Query encodes the filter for links: "tab=all&status=open".
func (f Filter) Query() string {
	v := url.Values{"tab": {f.Tab}, "status": {f.Status}}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	return v.Encode()
}

// with is a link to the same page with one filter value changed; relative to
// the current URL, so it keeps whichever conversation is open.
func (f Filter) with(key, value string) string {
	switch key {
	case "tab":
		f.Tab = value
	case "status":
		f.Status = value
	}
	return "?" + f.Query()
}

// List is a page of the conversation list.
type List struct {
	Filter        Filter
	Conversations []inbox.Conversation
	// Next is the cursor of the following page, "" at the end.
	Next string
	// Active is the open conversation's id.
	Active string
	// Cursor is the cursor this page was loaded from, "" for the first page.
	Cursor string
}

// Inbox is the three-pane page; Pane is nil when no conversation is open.
type Inbox struct {
	Layout Layout
	List   List
	Pane   *Pane
}

// Pane is an open conversation: header, thread, composer and contact.
type Pane struct {
	Header   Header
	Thread   Thread
	Composer Composer
	Contact  Contact
}

// Header is the conversation's title bar with its actions.
type Header struct {
	Conv  inbox.Conversation
	Users []auth.User
	Teams []auth.Team
	// OptedOut: the contact asked for no broadcasts. The header re-reads
	// on every conversation event, so a STOP shows at once.
	OptedOut bool
}

// Thread is the newest page of a conversation, oldest first.
type Thread struct {
	ConvID   string
	Messages []inbox.Message
	// Older is the cursor of the page before, "" when there is none.
	Older string
	// Since is the oldest message shown: live refreshes re-render from it on.
	Since string
	// Contact names the contact on messages that carry no sender name.
	Contact string
	Actions Actions
}

// Older is one page of older messages, oldest first.
type Older struct {
	ConvID   string
	Messages []inbox.Message
	Next     string
	Contact  string
	Actions  Actions
}

// Actions are what an agent may do from a message bubble beyond replying.
type Actions struct {
	// React offers the reaction picker on the contact's messages; only for
	// channels that deliver reactions.
	React bool
}

// Composer writes replies, templates and notes.
type Composer struct {
	ConvID string
	// Kind is the selected tab: "reply", "template" or "note".
	Kind string
	// Attachments tells whether the channel carries files.
	Attachments bool
	MaxBytes    int64
	MaxMB       int64
	// Templates tells whether the channel sends approved templates.
	Templates bool
	Window    Window
	// LimitWarning is set when a template would pass the number's 24 h
	// messaging limit.
	LimitWarning string
	// TemplateOptions are the channel's approved templates.
	TemplateOptions []TemplateOption
	// ManageTemplates links the channel's templates for admins ("" for agents).
	ManageTemplates string
}

// Window is a conversation's reply window; a zero Length means the channel
// has none and replies are always allowed.
type Window struct {
	Length time.Duration
	// ClosesAt is nil when the contact has never written.
	ClosesAt *time.Time
	Closed   bool
}

// State names the window's condition, which decides the composer's form:
// "none", "open" or "closed".
func (w Window) State() string {
	switch {
	case w.Length == 0:
		return "none"
	case w.Closed:
		return "closed"
	}
	return "open"
}

// Contact is the side panel about the conversation's contact.
type Contact struct {
	Contact contacts.Contact
	// Form holds what was typed when a save failed.
	Form   ContactForm
	Errors Errors
	Saved  bool
	// Channels names the workspace's channels by id, for identities.
	Channels map[string]string
	// OptOut is set when the contact opted out of broadcasts.
	OptOut *contacts.OptOut
}

// ContactForm is the editable part of a contact.
type ContactForm struct{ Name, Email, Phone string }

// Settings frames the settings pages.
type Settings struct {
	Layout Layout
	// Section is users, teams, channels or tokens.
	Section string
	Notice  string
	Errors  Errors
}

// Users is the users settings page.
type Users struct {
	Settings
	Users []auth.User
	New   NewUser
}

// NewUser is what the add-user form was filled with.
type NewUser struct{ Name, Email, Role string }

// Teams is the teams settings page.
type Teams struct {
	Settings
	Teams   []auth.Team
	Users   []auth.User
	NewName string
}

// Channels lists the workspace's channels.
type Channels struct {
	Settings
	Channels []channel.Channel
	// Connect are the provider types this server can connect, in display order.
	Connect []string
}

// ChannelForm creates (ID "") or edits a website channel.
type ChannelForm struct {
	Settings
	ID   string
	Type string
	Name string
	// Origins is one allowed origin per line.
	Origins      string
	Greeting     string
	Prechat      bool
	RequireEmail bool
	Color        string
	// Snippet is the install code, shown once the channel exists.
	Snippet string
	Nav     ChannelNav
}

// Tokens is the API tokens page.
type Tokens struct {
	Settings
	Tokens []auth.Token
	// Created is a token just made, shown this once.
	Created string
	NewName string
}
