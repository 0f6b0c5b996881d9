package contacts

import (
	"strings"
	"unicode"
)

// stopWords are the whole messages that unsubscribe a contact, in the
// languages charla's users write in, accents folded and upper-cased.
var stopWords = map[string]bool{
	"STOP": true, "STOP ALL": true, "STOPALL": true, "UNSUBSCRIBE": true,
	"PARAR": true, "CANCELAR": true, "BAJA": true, "SAIR": true, "ARRET": true, "ALTO": true,
}

// IsStopKeyword tells whether a message is a request to unsubscribe: one of
// the stop words and nothing else, whatever the case, accents, spacing or
// surrounding punctuation ("Stop!", "arrêt", " stop  all "), so that a
// sentence merely containing one ("don't stop") never unsubscribes anybody.
func IsStopKeyword(text string) bool {
	if len(text) > 64 {
		return false
	}
	trimmed := strings.TrimFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	for _, word := range strings.Fields(trimmed) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for _, r := range word {
			if unicode.Is(unicode.Mn, r) {
				continue // a combining accent typed apart from its letter
			}
			if base, ok := unaccented[r]; ok {
				r = base
			}
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return stopWords[b.String()]
}

// unaccented maps the precomposed Latin letters the stop words can carry to their base letter.
var unaccented = func() map[rune]rune {
	m := map[rune]rune{}
	for base, forms := range map[rune]string{
		'A': "ÀÁÂÃÄÅàáâãäå", 'C': "Çç", 'E': "ÈÉÊËèéêë", 'I': "ÌÍÎÏìíîï",
		'N': "Ññ", 'O': "ÒÓÔÕÖòóôõö", 'U': "ÙÚÛÜùúûü",
	} {
		for _, r := range forms {
			m[r] = base
		}
	}
	return m
}()
