package crawler

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// specialV4 is every range the IANA IPv4 special-purpose registry lists
// (plus multicast), written out here independently of denyV4 so that a
// range dropped from the code fails the test.
var specialV4 = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	"192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/32",
	"192.0.0.171/32", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
	"192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
	"224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
}

// specialV6 is every range of the IANA IPv6 special-purpose registry that
// does not embed an IPv4 address, plus multicast and site-local.
var specialV6 = []string{
	"::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23", "2001:1::1/128",
	"2001:1::2/128", "2001:1::3/128", "2001:2::/48", "2001:3::/32", "2001:4:112::/48", "2001:10::/28",
	"2001:20::/28", "2001:30::/28", "2001:db8::/32", "2620:4f:8000::/48", "3fff::/20", "5f00::/16",
	"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	// outside 2000::/3, so not global unicast
	"4000::/3", "::2/128",
}

// edges returns the first, a middle and the last address of p.
func edges(p netip.Prefix) []netip.Addr {
	first := p.Masked().Addr()
	b := first.AsSlice()
	last := make([]byte, len(b))
	mid := make([]byte, len(b))
	copy(last, b)
	copy(mid, b)
	for i := p.Bits(); i < len(b)*8; i++ {
		last[i/8] |= 0x80 >> (i % 8)
		if i == p.Bits()+1 || i == len(b)*8-1 {
			mid[i/8] |= 0x80 >> (i % 8)
		}
	}
	l, _ := netip.AddrFromSlice(last)
	m, _ := netip.AddrFromSlice(mid)
	return []netip.Addr{first, m, l}
}

// embeddings returns the IPv6 forms that carry v4.
func embeddings(v4 netip.Addr) map[string]netip.Addr {
	b := v4.As4()
	mapped := netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: b[0], 13: b[1], 14: b[2], 15: b[3]})
	compat := netip.AddrFrom16([16]byte{12: b[0], 13: b[1], 14: b[2], 15: b[3]})
	n64 := netip.AddrFrom16([16]byte{0: 0, 1: 0x64, 2: 0xff, 3: 0x9b, 12: b[0], 13: b[1], 14: b[2], 15: b[3]})
	six := netip.AddrFrom16([16]byte{0: 0x20, 1: 0x02, 2: b[0], 3: b[1], 4: b[2], 5: b[3], 15: 1})
	// Teredo with a public server (1.1.1.1) and v4 as the client,
	// and with v4 as the server and a public client.
	var tc, ts [16]byte
	tc[0], tc[1] = 0x20, 0x01
	ts = tc
	copy(tc[4:8], []byte{1, 1, 1, 1})
	binary.BigEndian.PutUint32(tc[12:16], binary.BigEndian.Uint32(b[:])^0xffffffff)
	copy(ts[4:8], b[:])
	binary.BigEndian.PutUint32(ts[12:16], binary.BigEndian.Uint32([]byte{1, 0, 0, 1})^0xffffffff)
	return map[string]netip.Addr{
		"ipv4-mapped": mapped, "ipv4-compatible": compat, "nat64": n64, "6to4": six,
		"teredo-client": netip.AddrFrom16(tc), "teredo-server": netip.AddrFrom16(ts),
	}
}

func TestRefusedSpecialRanges(t *testing.T) {
	for _, s := range specialV4 {
		p := netip.MustParsePrefix(s)
		for _, a := range edges(p) {
			if !Refused(a) {
				t.Errorf("%s (in %s) allowed", a, s)
			}
			for form, e := range embeddings(a) {
				if !Refused(e) {
					t.Errorf("%s (%s of %s, in %s) allowed", e, form, a, s)
				}
			}
		}
	}
	for _, s := range specialV6 {
		p := netip.MustParsePrefix(s)
		for _, a := range edges(p) {
			if !Refused(a) {
				t.Errorf("%s (in %s) allowed", a, s)
			}
			if z := a.WithZone("eth0"); !Refused(z) {
				t.Errorf("%s allowed", z)
			}
		}
	}
	if !Refused(netip.Addr{}) {
		t.Error("invalid address allowed")
	}
}

func TestRefusedPublic(t *testing.T) {
	public := []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "103.10.20.30", "100.63.255.255", "100.128.0.0",
		"172.15.255.255", "172.32.0.0", "192.0.1.1", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2404:6800:4003:c00::64", "2001:200::1", // 2001:200::/23 is outside 2001::/23
		"64:ff9b::808:808",          // NAT64 of 8.8.8.8
		"2002:808:808::1",           // 6to4 of 8.8.8.8
		"::ffff:1.1.1.1",            // mapped public
		"2001:0:101:101::fefe:fefe", // Teredo, server 1.1.1.1, client 1.1.1.1... inverted
	}
	for _, s := range public {
		a := netip.MustParseAddr(s)
		if Refused(a) {
			t.Errorf("%s refused, want allowed", s)
		}
	}
	for form, e := range embeddings(netip.MustParseAddr("9.9.9.9")) {
		if Refused(e) {
			t.Errorf("%s (%s of 9.9.9.9) refused", e, form)
		}
	}
}

// errWouldConnect stands in for connect(2): the tests below must never
// send a packet, whatever the check decides.
var errWouldConnect = errors.New("test: would connect")

// TestDialerRefusesBeforeConnect dials every special range through the
// crawler's dialer; each must fail with ErrPrivateAddress before the
// connect step (which the test replaces with an error, so that even a
// broken check sends nothing).
func TestDialerRefusesBeforeConnect(t *testing.T) {
	var connects int
	d := &dialer{private: Refused, timeout: time.Second, connected: func(string) error { connects++; return errWouldConnect }}
	var addrs []netip.Addr
	for _, s := range append(append([]string{}, specialV4...), specialV6...) {
		addrs = append(addrs, edges(netip.MustParsePrefix(s))...)
	}
	for _, a := range edges(netip.MustParsePrefix("198.18.0.0/15")) {
		for _, e := range embeddings(a) {
			addrs = append(addrs, e)
		}
	}
	for _, a := range addrs {
		_, err := d.DialContext(context.Background(), "tcp", netip.AddrPortFrom(a, 80).String())
		if !errors.Is(err, egovbench.ErrPrivateAddress) {
			t.Errorf("dial %s: %v, want ErrPrivateAddress", a, err)
		}
	}
	// A name is checked on what it resolves to, in the socket's control
	// hook; localhost is in /etc/hosts, so no query leaves either.
	if _, err := d.DialContext(context.Background(), "tcp", "localhost:80"); !errors.Is(err, egovbench.ErrPrivateAddress) {
		t.Errorf("dial localhost: %v, want ErrPrivateAddress", err)
	}
	// The resolve map is checked on the address it maps to.
	d.resolve = map[string]string{"metadata.go.id:80": "169.254.169.254:80"}
	if _, err := d.DialContext(context.Background(), "tcp", "metadata.go.id:80"); !errors.Is(err, egovbench.ErrPrivateAddress) {
		t.Errorf("dial resolved name: %v, want ErrPrivateAddress", err)
	}
	if connects != 0 {
		t.Errorf("%d dials reached connect", connects)
	}
	// And the stand-in does stop an allowed address before connect.
	d.private = func(netip.Addr) bool { return false }
	if _, err := d.DialContext(context.Background(), "tcp", "127.0.0.1:9"); !errors.Is(err, errWouldConnect) {
		t.Errorf("allowed dial: %v, want the connect stand-in", err)
	}
}

// FuzzRefused checks the classifier on any 16 bytes: it never panics, it is
// at least as strict as the standard library's notions of private and
// special, and an IPv4 address gets the same verdict in every IPv6 form
// that embeds it.
func FuzzRefused(f *testing.F) {
	for _, s := range []string{"198.18.0.1", "8.8.8.8", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "fe80::1", "2606:4700::1111"} {
		a := netip.MustParseAddr(s)
		b := a.As16()
		f.Add(b[:], a.Is4())
	}
	f.Fuzz(func(t *testing.T, raw []byte, four bool) {
		var b [16]byte
		copy(b[:], raw)
		a := netip.AddrFrom16(b)
		if four {
			a = netip.AddrFrom4([4]byte(b[12:16]))
		}
		r := Refused(a)
		u := a.Unmap()
		if !r && (u.IsPrivate() || u.IsLoopback() || u.IsLinkLocalUnicast() || u.IsMulticast() ||
			u.IsUnspecified() || u.IsInterfaceLocalMulticast() || !u.IsGlobalUnicast()) {
			t.Fatalf("%s allowed but the standard library calls it non-public", a)
		}
		if u.Is4() {
			for form, e := range embeddings(u) {
				if Refused(e) != r {
					t.Fatalf("%s refused=%v but its %s form %s refused=%v", u, r, form, e, Refused(e))
				}
			}
		}
	})
}
