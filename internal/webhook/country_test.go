package webhook

import "testing"

func TestCountryFromPhone(t *testing.T) {
	tests := map[string]string{
		"4915112345678":     "DE",
		"+49 151 1234567":   "DE",
		"0049151123456":     "DE",
		"919812345678":      "IN",
		"5511987654321":     "BR",
		"6281234567890":     "ID",
		"447700900123":      "GB",
		"12025550123":       "US",
		"14165550123":       "CA", // Toronto area code
		"17875550123":       "PR",
		"18095550123":       "DO",
		"34612345678":       "ES",
		"393123456789":      "IT",
		"5215512345678":     "MX",
		"33612345678":       "FR",
		"31612345678":       "NL",
		"351912345678":      "PT", // three-digit code beats nothing shorter
		"353851234567":      "IE",
		"971501234567":      "AE",
		"966501234567":      "SA",
		"2348012345678":     "NG",
		"27821234567":       "ZA",
		"201001234567":      "EG",
		"79161234567":       "RU",
		"77011234567":       "KZ",
		"905321234567":      "TR",
		"8613812345678":     "CN",
		"85291234567":       "HK",
		"(+1) 212-555-0123": "US",
		"":                  "",
		"abc":               "",
		"49151x2345":        "",
		"+":                 "",
		"0":                 "",
		"999123":            "", // +999 is unassigned
		"++4915112345678":   "",
		"49+15112345678":    "",
	}
	for phone, want := range tests {
		if got := CountryFromPhone(phone); got != want {
			t.Errorf("CountryFromPhone(%q) = %q, want %q", phone, got, want)
		}
	}
}

// Every key in the table is digits only, no longer than the search window,
// and maps to a two-letter code, so longest-prefix matching can reach it.
func TestCallingCodesTable(t *testing.T) {
	for prefix, cc := range callingCodes {
		if len(prefix) == 0 || len(prefix) > maxCallingPrefix || normalizePhone(prefix) != prefix {
			t.Errorf("bad prefix %q", prefix)
		}
		if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
			t.Errorf("prefix %q maps to %q, not an alpha-2 code", prefix, cc)
		}
	}
}
