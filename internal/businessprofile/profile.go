// Package businessprofile holds WhatsApp's business-profile rules: the
// fields a profile has, what each may contain, and how a profile photo is
// turned into what WhatsApp shows. It talks to no provider and no database.
package businessprofile

// Profile is a WhatsApp business profile as read from and written to the
// provider (providers.md §1.12).
type Profile struct {
	About       string   `json:"about"`
	Address     string   `json:"address"`
	Description string   `json:"description"`
	Email       string   `json:"email"`
	Vertical    string   `json:"vertical"`
	Websites    []string `json:"websites"`
	PictureURL  string   `json:"profile_picture_url"`
}

// Limits are the per-provider lengths that differ: Meta documents 512
// characters for the description, 360dialog 256.
type Limits struct {
	DescriptionMax int
}

var (
	CloudLimits  = Limits{DescriptionMax: 512}
	DialogLimits = Limits{DescriptionMax: 256}
)

// Fixed limits, the same for every provider.
const (
	AboutMax    = 139
	AddressMax  = 256
	EmailMax    = 128
	WebsitesMax = 2
	WebsiteMax  = 256
)

// Vertical is one allowed industry value with its label for people.
type Vertical struct {
	Value string
	Label string
}

// Verticals are the values WhatsApp accepts on update, in display order.
var Verticals = []Vertical{
	{"OTHER", "Other"},
	{"AUTO", "Automotive"},
	{"BEAUTY", "Beauty, spa and salon"},
	{"APPAREL", "Clothing and apparel"},
	{"EDU", "Education"},
	{"ENTERTAIN", "Entertainment"},
	{"EVENT_PLAN", "Event planning and service"},
	{"FINANCE", "Finance and banking"},
	{"GROCERY", "Food and grocery"},
	{"GOVT", "Public service"},
	{"HOTEL", "Hotel and lodging"},
	{"HEALTH", "Medical and health"},
	{"NONPROFIT", "Non-profit"},
	{"PROF_SERVICES", "Professional services"},
	{"RETAIL", "Shopping and retail"},
	{"TRAVEL", "Travel and transportation"},
	{"RESTAURANT", "Restaurant"},
	{"ALCOHOL", "Alcoholic beverages"},
	{"ONLINE_GAMBLING", "Online gambling and gaming"},
	{"PHYSICAL_GAMBLING", "Non-online gambling and gaming"},
	{"OTC_DRUGS", "Over-the-counter drugs"},
}

// VerticalLabel is the label for value, or "" when value is not allowed.
func VerticalLabel(value string) string {
	for _, v := range Verticals {
		if v.Value == value {
			return v.Label
		}
	}
	return ""
}

// VerticalSet tells whether v names an industry. A GET answers "",
// UNDEFINED or NOT_A_BIZ for a profile whose vertical was never chosen.
func VerticalSet(v string) bool {
	return v != "" && v != "UNDEFINED" && v != "NOT_A_BIZ"
}
