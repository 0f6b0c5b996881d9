package phone

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Country calling codes with legacy forms still in circulation.
const (
	ccMexico    = 52
	ccArgentina = 54
	ccBrazil    = 55
)

// canonical rewrites a legacy form of n into the canonical one. Every rewrite
// is applied only when the result is a valid number of the expected type, so
// unknown shapes pass through untouched.
func canonical(n *phonenumbers.PhoneNumber) *phonenumbers.PhoneNumber {
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	var c *phonenumbers.PhoneNumber
	switch n.GetCountryCode() {
	case ccBrazil:
		c = brazilCanonical(nsn)
	case ccMexico:
		c = mexicoCanonical(nsn)
	case ccArgentina:
		c = argentinaCanonical(n, nsn)
	}
	if c == nil {
		return n
	}
	return c
}

// alternates lists the non-canonical forms under which canonical number c
// may have been stored before.
func alternates(c *phonenumbers.PhoneNumber) []*phonenumbers.PhoneNumber {
	nsn := phonenumbers.GetNationalSignificantNumber(c)
	switch c.GetCountryCode() {
	case ccBrazil:
		// +55 AA 9 XXXX-XXXX → +55 AA XXXX-XXXX, only when XXXX-XXXX is
		// mobile-shaped: with 2–5 it would be somebody's landline.
		if len(nsn) == 11 && nsn[2] == '9' && isOldBrazilMobileLead(nsn[3]) {
			return []*phonenumbers.PhoneNumber{number(ccBrazil, nsn[:2]+nsn[3:])}
		}
	case ccMexico:
		// The "1" prefix only ever existed on geographic numbers, and since
		// 2019 fixed and mobile share one plan, so any geographic number may
		// have been stored as +52 1.
		switch phonenumbers.GetNumberType(c) {
		case phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
			return []*phonenumbers.PhoneNumber{number(ccMexico, "1"+nsn)}
		}
	case ccArgentina:
		if strings.HasPrefix(nsn, "9") && phonenumbers.GetNumberType(c) == phonenumbers.MOBILE {
			if v := number(ccArgentina, nsn[1:]); v != nil && phonenumbers.IsValidNumber(v) {
				return []*phonenumbers.PhoneNumber{v}
			}
		}
	}
	return nil
}

// isOldBrazilMobileLead reports whether d can start a pre-2016 8-digit
// Brazilian mobile number. 8-digit landlines start with 2–5 and must never
// get a ninth digit.
func isOldBrazilMobileLead(d byte) bool {
	return d >= '6' && d <= '9'
}

// brazilCanonical adds the ninth digit to an old 8-digit mobile
// (AA XXXX-XXXX → AA 9XXXX-XXXX). WhatsApp still reports many such numbers
// as 12-digit wa_ids. 8-digit numbers starting with 7 (ex-Nextel) are still
// "valid" in libphonenumber, but they were migrated to the 9 too, so they are
// treated like the others.
func brazilCanonical(nsn string) *phonenumbers.PhoneNumber {
	if len(nsn) != 10 || !isOldBrazilMobileLead(nsn[2]) {
		return nil
	}
	return ifType(number(ccBrazil, nsn[:2]+"9"+nsn[2:]), phonenumbers.MOBILE)
}

// mexicoLegacyPrefixes are dropped from the front of a Mexican number:
// "1" after +52 (international mobile prefix until 2019) and the domestic
// 044/045 (call to mobile) and 01 (long distance) prefixes people still type.
// Mexican national numbers are 10 digits and never start with 0 or 1, so
// the remainder is unambiguous.
var mexicoLegacyPrefixes = []string{"1", "044", "045", "01"}

func mexicoCanonical(nsn string) *phonenumbers.PhoneNumber {
	for _, p := range mexicoLegacyPrefixes {
		if strings.HasPrefix(nsn, p) && len(nsn)-len(p) == 10 {
			if c := number(ccMexico, nsn[len(p):]); c != nil && phonenumbers.IsValidNumber(c) {
				return c
			}
		}
	}
	return nil
}

// argentinaCanonical puts an Argentine number into the +54 9 AREA NUMBER
// form. Argentina allocates each 10-digit national number to either a fixed
// or a mobile line, never both, so "+54 AREA NUMBER" and "+54 9 AREA NUMBER"
// are the same subscriber and adding the 9 cannot merge two people. The cost
// is that a real landline also gets the 9; it identifies the contact all the
// same, and WhatsApp users are overwhelmingly on mobiles, whose wa_ids carry
// the 9.
func argentinaCanonical(n *phonenumbers.PhoneNumber, nsn string) *phonenumbers.PhoneNumber {
	valid := phonenumbers.IsValidNumber(n)
	if strings.HasPrefix(nsn, "9") {
		if valid {
			return nil
		}
		// "+54 9 11 15 2345-6789": the domestic "15" mixed into the
		// international form. Without the 9, libphonenumber's AR rules strip
		// the 15 and put the 9 back.
		c, err := parse("+54"+nsn[1:], "")
		if err != nil {
			return nil
		}
		return ifType(c, phonenumbers.MOBILE)
	}
	if len(nsn) != 10 || !valid {
		return nil
	}
	// Only geographic numbers have a mobile form; 0800 and the like don't.
	return ifType(number(ccArgentina, "9"+nsn), phonenumbers.MOBILE)
}

// number builds a PhoneNumber from a country code and national significant
// number. It returns nil for an NSN with a leading zero (none of the rewrites
// above can produce a valid one) or one that is not all digits.
func number(cc int32, nsn string) *phonenumbers.PhoneNumber {
	if nsn == "" || nsn[0] == '0' {
		return nil
	}
	nn, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return nil
	}
	return &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
}

// ifType returns n if it is valid and of type t, else nil.
func ifType(n *phonenumbers.PhoneNumber, t phonenumbers.PhoneNumberType) *phonenumbers.PhoneNumber {
	if n == nil || !phonenumbers.IsValidNumber(n) || phonenumbers.GetNumberType(n) != t {
		return nil
	}
	return n
}
