package crawler

import (
	"encoding/binary"
	"net/netip"
)

// The deny lists hold every entry of the IANA IPv4 and IPv6
// Special-Purpose Address Registries (iana-ipv4-special-registry and
// iana-ipv6-special-registry, as updated to 2025), plus multicast and the
// deprecated IPv6 site-local block. Entries the registries mark "globally
// reachable" (AS112, AMT, anycast service addresses) are refused as well: no
// government website lives on them, and a crawler or webhook that reaches
// one was sent there by someone else's DNS or redirect.
//
// IPv6 prefixes that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
// NAT64, 6to4, Teredo) are not listed: the embedded address is unwrapped and
// checked instead, so 64:ff9b::a9fe:a9fe is refused as 169.254.169.254 is,
// while a DNS64 network still reaches public sites through NAT64.
var (
	denyV4 = prefixes(
		"0.0.0.0/8",          // "this network" (RFC 791), 0.0.0.0/32 "this host" included
		"10.0.0.0/8",         // private-use (RFC 1918)
		"100.64.0.0/10",      // shared address space, carrier-grade NAT (RFC 6598)
		"127.0.0.0/8",        // loopback (RFC 1122)
		"169.254.0.0/16",     // link local, cloud metadata services (RFC 3927)
		"172.16.0.0/12",      // private-use (RFC 1918)
		"192.0.0.0/24",       // IETF protocol assignments, DS-Lite, PCP/TURN anycast, NAT64 discovery (RFC 6890)
		"192.0.2.0/24",       // documentation TEST-NET-1 (RFC 5737)
		"192.31.196.0/24",    // AS112-v4 (RFC 7535)
		"192.52.193.0/24",    // AMT (RFC 7450)
		"192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526)
		"192.168.0.0/16",     // private-use (RFC 1918)
		"192.175.48.0/24",    // direct delegation AS112 service (RFC 7534)
		"198.18.0.0/15",      // benchmarking (RFC 2544)
		"198.51.100.0/24",    // documentation TEST-NET-2 (RFC 5737)
		"203.0.113.0/24",     // documentation TEST-NET-3 (RFC 5737)
		"224.0.0.0/4",        // multicast (RFC 5771)
		"240.0.0.0/4",        // reserved (RFC 1112)
		"255.255.255.255/32", // limited broadcast (RFC 919), inside 240.0.0.0/4 but listed by IANA
	)
	denyV6 = prefixes(
		"::/128",            // unspecified (RFC 4291)
		"::1/128",           // loopback (RFC 4291)
		"64:ff9b:1::/48",    // local-use IPv4/IPv6 translation (RFC 8215)
		"100::/64",          // discard-only (RFC 6666)
		"100:0:0:1::/64",    // dummy IPv6 prefix (RFC 9780)
		"2001::/23",         // IETF protocol assignments (RFC 2928); Teredo 2001::/32 is unwrapped first
		"2001:db8::/32",     // documentation (RFC 3849)
		"2620:4f:8000::/48", // direct delegation AS112 service (RFC 7534)
		"3fff::/20",         // documentation (RFC 9637)
		"5f00::/16",         // segment routing SIDs (RFC 9602)
		"fc00::/7",          // unique local (RFC 4193)
		"fe80::/10",         // link-local unicast (RFC 4291)
		"fec0::/10",         // site-local, deprecated (RFC 3879)
		"ff00::/8",          // multicast (RFC 4291)
	)
	// globalV6 is the only IPv6 block IANA allocates for global unicast;
	// the rest is reserved or special, so an address outside it is refused
	// even when no registry entry names it.
	globalV6 = netip.MustParsePrefix("2000::/3")

	ipv4Compatible = netip.MustParsePrefix("::/96")        // deprecated (RFC 4291)
	nat64          = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 prefix (RFC 6052)
	sixToFour      = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056)
	teredo         = netip.MustParsePrefix("2001::/32")    // Teredo (RFC 4380)
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Refused reports whether an address must not be dialled by a crawl, a
// probe or a webhook: anything that is not a public unicast address by the
// IANA special-purpose registries, checked on the IPv4 address an IPv6 one
// embeds. The invalid address is refused.
func Refused(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("")
	if a.Is4In6() {
		return refusedV4(a.Unmap())
	}
	if a.Is4() {
		return refusedV4(a)
	}
	b := a.As16()
	switch {
	case ipv4Compatible.Contains(a):
		// :: and ::1 are the unspecified and loopback addresses, refused
		// through their IPv4 readings 0.0.0.0 and 0.0.0.1 too.
		return refusedV4(v4At(b, 12))
	case nat64.Contains(a):
		return refusedV4(v4At(b, 12))
	case sixToFour.Contains(a):
		return refusedV4(v4At(b, 2))
	case teredo.Contains(a):
		// The server's address sits in clear, the client's inverted.
		client := binary.BigEndian.Uint32(b[12:16]) ^ 0xffffffff
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], client)
		return refusedV4(v4At(b, 4)) || refusedV4(netip.AddrFrom4(c))
	}
	if !globalV6.Contains(a) {
		return true
	}
	return inAny(denyV6, a)
}

func refusedV4(a netip.Addr) bool { return inAny(denyV4, a) }

func v4At(b [16]byte, i int) netip.Addr { return netip.AddrFrom4([4]byte(b[i : i+4])) }

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
