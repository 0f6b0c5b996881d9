// Package phone turns phone numbers into one canonical E.164 string per
// person, so that the same customer never becomes two contacts because the
// number arrived in a different format (typed by an agent, imported from a
// CRM, or sent by WhatsApp as a wa_id).
//
// Parsing and validation use libphonenumber's metadata
// (github.com/nyaruka/phonenumbers). On top of it this package folds the
// legacy forms that are still in circulation for the same subscriber:
//
//   - Brazil (+55): mobiles gained a ninth digit (2012–2016). Old 8-digit
//     mobiles (first subscriber digit 6–9) are canonicalised WITH the 9;
//     landlines (first digit 2–5) are never touched.
//   - Mexico (+52): the "1" after the country code for mobiles was dropped in
//     2019. Canonical form is WITHOUT it ("+52 1 55…" → "+52 55…"); the old
//     domestic prefixes 044/045/01 are dropped too.
//   - Argentina (+54): mobiles are dialled internationally as +54 9 AREA
//     NUMBER and domestically as 0 AREA 15 NUMBER. Canonical form is WITH the 9
//     and without the 15.
//
// Input rules for Normalize:
//
//   - Spaces, dashes, dots, slashes and parentheses are ignored.
//   - A leading "+" always means international; defaultRegion is then unused.
//   - A leading "00" means international (the ITU-recommended prefix). With a
//     defaultRegion, the region's own dialling rules are tried first (they
//     also cover "011" in North America and Brazil's "00 + carrier" codes).
//   - Bare digits with defaultRegion == "" are read as if a "+" was missing
//     (the shape of wa_ids and many CSV exports) and accepted only if that
//     yields a valid number. With a defaultRegion, bare digits are a national
//     number, or the region's own country code followed by one.
//   - Extensions ("ext. 12") are rejected: a contact key must be one line
//     that WhatsApp can reach, and dropping the extension would merge
//     different people behind one switchboard.
package phone

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid is wrapped by every error this package returns; the wrapping
// message says why. Messages never contain the number itself, so they are
// safe to log.
var ErrInvalid = errors.New("phone: invalid number")

// maxInputLen bounds the work done on hostile input; a formatted number with
// country code, spaces and parentheses is well under 40 bytes.
const maxInputLen = 128

// maxE164Digits is the ITU E.164 limit on country code + national number.
const maxE164Digits = 15

// KnownRegion tells whether region is a country code numbers can be read in.
func KnownRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) != 0
}

// Normalize parses a human- or system-entered number into canonical E.164
// ("+5511987654321").
//
// defaultRegion (ISO 3166 alpha-2, e.g. "BR", case-insensitive) is used when
// raw has no country code; "" means raw must be international (see the
// package documentation for how "00" and a missing "+" are handled).
// The result is Canonical, so two forms of the same person's number
// normalise to the same string. The error wraps ErrInvalid and says why.
func Normalize(raw, defaultRegion string) (string, error) {
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		// A bad region is a configuration bug; guessing would mis-file every
		// national number, so fail loudly instead.
		return "", invalid("unknown default region %q", defaultRegion)
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid("empty")
	}
	if len(s) > maxInputLen {
		return "", invalid("input longer than %d bytes", maxInputLen)
	}

	// Only hint at a missing country code when the user didn't type one.
	typedPlus := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "\uff0b") // ASCII or full-width plus
	var err error
	for _, a := range attempts(s, region) {
		var n *phonenumbers.PhoneNumber
		n, err = parse(a.text, a.region)
		if err != nil {
			err = invalid("%s", parseErrReason(err, region == "" && !typedPlus))
			continue
		}
		if n.GetExtension() != "" {
			return "", invalid("extensions are not supported")
		}
		c := canonical(n)
		if phonenumbers.IsValidNumber(c) {
			return format(c), nil
		}
		if a.guessedPlus {
			// Say what was assumed: the user typed no country code.
			err = invalid("no + and no default region, so read as international: %s", invalidReason(c))
			continue
		}
		err = invalid("%s", invalidReason(c))
	}
	// The last attempt is the most specific one (e.g. "00" read as
	// international), so its reason is the one reported.
	return "", err
}

// FromWhatsAppID turns a WhatsApp wa_id (digits only, no "+", e.g.
// "5511987654321") into the canonical E.164 of that person. Legacy forms
// that WhatsApp still sends (Brazil without the ninth digit, Mexico with
// 521) are canonicalised exactly as Normalize does. A leading "+" is
// tolerated because some providers add one.
//
// Unlike Normalize, a number of plausible length for its country is
// accepted even when libphonenumber's metadata does not list its range yet:
// WhatsApp has already verified the number, and rejecting it would drop a
// real customer's message because of a stale table.
func FromWhatsAppID(waID string) (string, error) {
	d := strings.TrimPrefix(strings.TrimSpace(waID), "+")
	switch {
	case d == "":
		return "", invalid("empty wa_id")
	case !isASCIIDigits(d):
		return "", invalid("wa_id must contain digits only")
	case len(d) > maxE164Digits:
		return "", invalid("wa_id longer than %d digits", maxE164Digits)
	case d[0] == '0':
		return "", invalid("wa_id cannot start with 0 (no country code starts with 0)")
	}
	n, err := parse("+"+d, "")
	if err != nil {
		return "", invalid("%s", parseErrReason(err, false))
	}
	c := canonical(n)
	if phonenumbers.IsValidNumber(c) || phonenumbers.IsPossibleNumberWithReason(c) == phonenumbers.IS_POSSIBLE {
		return format(c), nil
	}
	return "", invalid("%s", invalidReason(c))
}

// Canonical picks the single canonical form of a number so two variants of
// the same person's number compare equal: Brazilian mobiles WITH the ninth
// digit, Mexican numbers WITHOUT the old "1", Argentine mobiles WITH the "9"
// (and without "15"). Other numbers are returned in plain E.164.
//
// Input that is not an international number ("+" and digits; formatting is
// tolerated) is returned unchanged, as is any number whose rewrite would not
// be valid: Canonical never guesses.
func Canonical(e164 string) string {
	n, ok := parseE164(e164)
	if !ok {
		return e164
	}
	return format(canonical(n))
}

// Variants lists every E.164 form under which the same person may already be
// stored, canonical first, for contact lookup (e.g. WHERE phone IN (...)).
// The input's own E.164 form is always included. For:
//
//   - Brazil: the 8-digit mobile without the ninth digit (only when the
//     remaining number starts with 6–9, so it can never hit a landline);
//   - Mexico: the old "+52 1" mobile form;
//   - Argentina: the form without the mobile "9".
//
// It returns nil when e164 is not an international number.
func Variants(e164 string) []string {
	n, ok := parseE164(e164)
	if !ok {
		return nil
	}
	c := canonical(n)
	out := []string{format(c)}
	add := func(v *phonenumbers.PhoneNumber) {
		if v == nil {
			return
		}
		s := format(v)
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(n)
	if phonenumbers.IsValidNumber(c) {
		for _, v := range alternates(c) {
			add(v)
		}
	}
	return out
}

// attempt is one way of reading the input: text handed to libphonenumber
// with the region used for national numbers.
type attempt struct {
	text, region string
	guessedPlus  bool // bare digits read as international without a "+" or "00"
}

// attempts lists the readings of s in order of preference; the first that
// gives a valid number wins.
func attempts(s, region string) []attempt {
	digits, bare := bareDigits(s)
	if !bare {
		// "+…", "tel:" URIs, vanity letters, non-ASCII digits:
		// libphonenumber's own rules already cover them.
		return []attempt{{text: s, region: region}}
	}
	national := attempt{text: s, region: region}
	switch {
	case strings.HasPrefix(digits, "00"):
		intl := attempt{text: "+" + digits[2:]}
		if region == "" {
			return []attempt{intl}
		}
		// The region's rules know its real IDD (011, 0011, 00xx carrier
		// codes); plain "00" is the fallback.
		return []attempt{national, intl}
	case region == "":
		// No region to interpret a national number: the only sensible
		// reading is an international number whose "+" was dropped.
		return []attempt{{text: "+" + digits, guessedPlus: true}}
	}
	// A national number. libphonenumber also strips the region's own
	// country code typed without "+" ("5215512345678" with MX), and
	// canonical repairs the legacy form that leaves.
	return []attempt{national}
}

// bareDigits reports whether s is only ASCII digits and common separators,
// returning the digits. Anything else (a "+", letters, other symbols) is left
// to libphonenumber.
func bareDigits(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r), r == '-', r == '.', r == '(', r == ')', r == '/',
			r >= '\u2010' && r <= '\u2015', r == '\u2212': // typographic dashes, minus
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// parseE164 parses an international number as stored by this package.
func parseE164(s string) (*phonenumbers.PhoneNumber, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") || len(s) > maxInputLen {
		return nil, false
	}
	n, err := parse(s, "")
	if err != nil || n.GetExtension() != "" {
		return nil, false
	}
	return n, true
}

// parse wraps phonenumbers.Parse and turns a panic into an error: the
// library has had panics on malformed input before (fixed in v1.8.1), and
// this runs on untrusted webhook and form data.
func parse(text, region string) (n *phonenumbers.PhoneNumber, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, phonenumbers.ErrNotANumber
		}
	}()
	return phonenumbers.Parse(text, region)
}

func format(n *phonenumbers.PhoneNumber) string {
	return phonenumbers.Format(n, phonenumbers.E164)
}

func invalid(why string, args ...any) error {
	return fmt.Errorf("%w: "+why, append([]any{ErrInvalid}, args...)...)
}

func parseErrReason(err error, mayLackCountryCode bool) string {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if mayLackCountryCode {
			return "missing or unknown country code (use +CC or pass a default region)"
		}
		return "unknown country code"
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "too short"
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "too long"
	default:
		return "not a phone number"
	}
}

func invalidReason(n *phonenumbers.PhoneNumber) string {
	cc := n.GetCountryCode()
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fmt.Sprintf("unknown country code +%d", cc)
	case phonenumbers.TOO_SHORT:
		return fmt.Sprintf("too short for +%d", cc)
	case phonenumbers.TOO_LONG:
		return fmt.Sprintf("too long for +%d", cc)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "missing area code"
	case phonenumbers.INVALID_LENGTH:
		return fmt.Sprintf("wrong length for +%d", cc)
	default:
		return fmt.Sprintf("not an assigned number range for +%d", cc)
	}
}

func isASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
