package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// parseProxies reads INSIGHTS_TRUSTED_PROXIES: comma-separated IP addresses
// (each its own range) and CIDR ranges. Every bad entry is named at once.
func parseProxies(v string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	var errs []error
	for _, s := range splitList(v) {
		if !strings.Contains(s, "/") {
			ip := net.ParseIP(s)
			if ip == nil {
				errs = append(errs, fmt.Errorf("%q is not an IP address or CIDR range", s))
				continue
			}
			bits := 128
			if ip4 := ip.To4(); ip4 != nil {
				ip, bits = ip4, 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q is not an IP address or CIDR range", s))
			continue
		}
		out = append(out, n)
	}
	return out, errors.Join(errs...)
}
