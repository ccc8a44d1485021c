package pages

// countryNames names the recipient countries WhatsApp traffic most often
// goes to; other codes are shown as they come.
var countryNames = map[string]string{
	"AE": "United Arab Emirates", "AR": "Argentina", "AT": "Austria", "AU": "Australia", "BE": "Belgium",
	"BR": "Brazil", "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia",
	"CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EG": "Egypt", "ES": "Spain", "FI": "Finland",
	"FR": "France", "GB": "United Kingdom", "GH": "Ghana", "GR": "Greece", "HK": "Hong Kong", "HU": "Hungary",
	"ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India", "IT": "Italy", "JP": "Japan",
	"KE": "Kenya", "KR": "South Korea", "MA": "Morocco", "MX": "Mexico", "MY": "Malaysia", "NG": "Nigeria",
	"NL": "Netherlands", "NO": "Norway", "NP": "Nepal", "NZ": "New Zealand", "PE": "Peru", "PH": "Philippines",
	"PK": "Pakistan", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "RU": "Russia", "SA": "Saudi Arabia",
	"SE": "Sweden", "SG": "Singapore", "TH": "Thailand", "TR": "Türkiye", "UA": "Ukraine", "US": "United States",
	"VN": "Vietnam", "ZA": "South Africa",
}

// countryName is the English name of an ISO 3166 alpha-2 code, or the code.
func countryName(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}
