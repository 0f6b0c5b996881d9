package templates

// Language is a language WhatsApp accepts templates in.
type Language struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// languages are Meta's supported template language codes, in the order of
// Meta's list (by English name).
var languages = []Language{
	{"af", "Afrikaans"}, {"sq", "Albanian"}, {"ar", "Arabic"}, {"az", "Azerbaijani"},
	{"bn", "Bengali"}, {"bg", "Bulgarian"}, {"ca", "Catalan"},
	{"zh_CN", "Chinese (China)"}, {"zh_HK", "Chinese (Hong Kong)"}, {"zh_TW", "Chinese (Taiwan)"},
	{"hr", "Croatian"}, {"cs", "Czech"}, {"da", "Danish"}, {"nl", "Dutch"},
	{"en", "English"}, {"en_GB", "English (UK)"}, {"en_US", "English (US)"},
	{"et", "Estonian"}, {"fil", "Filipino"}, {"fi", "Finnish"}, {"fr", "French"},
	{"ka", "Georgian"}, {"de", "German"}, {"el", "Greek"}, {"gu", "Gujarati"},
	{"ha", "Hausa"}, {"he", "Hebrew"}, {"hi", "Hindi"}, {"hu", "Hungarian"},
	{"id", "Indonesian"}, {"ga", "Irish"}, {"it", "Italian"}, {"ja", "Japanese"},
	{"kn", "Kannada"}, {"kk", "Kazakh"}, {"rw_RW", "Kinyarwanda"}, {"ko", "Korean"},
	{"ky_KG", "Kyrgyz (Kyrgyzstan)"}, {"lo", "Lao"}, {"lv", "Latvian"}, {"lt", "Lithuanian"},
	{"mk", "Macedonian"}, {"ms", "Malay"}, {"ml", "Malayalam"}, {"mr", "Marathi"},
	{"nb", "Norwegian"}, {"fa", "Persian"}, {"pl", "Polish"},
	{"pt_BR", "Portuguese (Brazil)"}, {"pt_PT", "Portuguese (Portugal)"},
	{"pa", "Punjabi"}, {"ro", "Romanian"}, {"ru", "Russian"}, {"sr", "Serbian"},
	{"sk", "Slovak"}, {"sl", "Slovenian"},
	{"es", "Spanish"}, {"es_AR", "Spanish (Argentina)"}, {"es_ES", "Spanish (Spain)"}, {"es_MX", "Spanish (Mexico)"},
	{"sw", "Swahili"}, {"sv", "Swedish"}, {"ta", "Tamil"}, {"te", "Telugu"}, {"th", "Thai"},
	{"tr", "Turkish"}, {"uk", "Ukrainian"}, {"ur", "Urdu"}, {"uz", "Uzbek"},
	{"vi", "Vietnamese"}, {"zu", "Zulu"},
}

var languageNames = func() map[string]string {
	m := make(map[string]string, len(languages))
	for _, l := range languages {
		m[l.Code] = l.Name
	}
	return m
}()

// SupportedLanguages lists the languages a template may be submitted in.
func SupportedLanguages() []Language { return append([]Language(nil), languages...) }

// LanguageName is the display name of a supported language code ("" and
// false for others).
func LanguageName(code string) (string, bool) {
	n, ok := languageNames[code]
	return n, ok
}
