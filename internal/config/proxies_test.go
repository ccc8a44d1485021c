package config

import (
	"strings"
	"testing"
)

func TestTrustedProxies(t *testing.T) {
	c, _, err := Load(env(nil), nil, nil)
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v, %v; want no trusted proxies", c.TrustedProxies, err)
	}
	c, _, err = Load(env(map[string]string{"INSIGHTS_TRUSTED_PROXIES": "10.0.0.0/8"}),
		[]string{"--trusted-proxies", " 192.0.2.7, 10.1.0.0/16 ,2001:db8::/32,::1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if want := "192.0.2.7/32 10.1.0.0/16 2001:db8::/32 ::1/128"; strings.Join(got, " ") != want {
		t.Errorf("flag over env: %v, want %s", got, want)
	}

	_, _, err = Load(env(map[string]string{"INSIGHTS_TRUSTED_PROXIES": "10.0.0.0/33,proxy.local,192.0.2.1"}), nil, nil)
	if err == nil {
		t.Fatal("bad ranges accepted")
	}
	for _, want := range []string{"INSIGHTS_TRUSTED_PROXIES", `"10.0.0.0/33" is not an IP address or CIDR range`, `"proxy.local" is not`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "192.0.2.1") {
		t.Errorf("error names the good entry:\n%v", err)
	}
}
