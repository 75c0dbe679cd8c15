package crawler

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"path"
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// maxURLLen is longer than any real page address and shorter than the
// query strings that grow on every visit.
const maxURLLen = 512

// maxPathSegments and maxSegmentRepeats catch relative-link loops
// (/a/b/a/b/a/b/...) that produce endless distinct URLs.
const (
	maxPathSegments   = 12
	maxSegmentRepeats = 2
	maxQueryParams    = 8
)

var errSkipURL = errors.New("url skipped")

// normalizeURL resolves ref against base and returns the canonical form the
// crawler dedups on: http(s) only, lower-case host, no default port, no
// fragment, no session or tracking parameters, sorted query.
func normalizeURL(base *url.URL, ref string) (*url.URL, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 4*maxURLLen {
		return nil, errSkipURL
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, errSkipURL
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return canonical(u)
}

// canonical normalises an absolute URL in place and returns it.
func canonical(u *url.URL) (*url.URL, error) {
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errSkipURL
	}
	if u.Opaque != "" || u.User != nil {
		return nil, errSkipURL
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, errSkipURL
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	u.Fragment, u.RawFragment = "", ""
	// ";jsessionid=..." rides in the path of Java servers.
	if i := strings.Index(strings.ToLower(u.Path), ";jsessionid="); i >= 0 {
		u.Path = u.Path[:i]
		u.RawPath = ""
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// Keep a query we cannot parse as is: it is still an address.
			u.ForceQuery = false
		} else {
			for k := range q {
				if dropParam(k) {
					delete(q, k)
				}
			}
			u.RawQuery = q.Encode() // sorted by key
		}
	}
	u.ForceQuery = false
	if len(u.String()) > maxURLLen {
		return nil, errSkipURL
	}
	return u, nil
}

// dropParam reports whether a query parameter only identifies a session or
// a campaign, so URLs differing by it are the same page.
func dropParam(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "phpsessid", "jsessionid", "sid", "sessionid", "session_id", "aspsessionid",
		"fbclid", "gclid", "msclkid", "yclid", "_ga", "ref", "mc_cid", "mc_eid":
		return true
	}
	return strings.HasPrefix(k, "utm_")
}

// registrable returns the registrable domain (eTLD+1) of host; for
// addresses and single labels it is the host itself.
func registrable(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if _, err := netip.ParseAddr(host); err == nil || !strings.Contains(host, ".") {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// inScope reports whether host lies in the registrable domain scope.
func inScope(host, scope string) bool {
	host = strings.ToLower(host)
	return host == scope || strings.HasSuffix(host, "."+scope)
}

// skipExt lists extensions of files that are not web pages: fetching them
// spends budget and bytes on what the analyzer cannot read.
var skipExt = map[string]bool{
	".pdf": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true, ".ppt": true, ".pptx": true,
	".odt": true, ".ods": true, ".rtf": true, ".csv": true, ".zip": true, ".rar": true, ".7z": true,
	".gz": true, ".tgz": true, ".tar": true, ".bz2": true, ".xz": true, ".exe": true, ".msi": true,
	".apk": true, ".dmg": true, ".iso": true, ".bin": true, ".jpg": true, ".jpeg": true, ".png": true,
	".gif": true, ".bmp": true, ".svg": true, ".webp": true, ".ico": true, ".tif": true, ".tiff": true,
	".mp3": true, ".mp4": true, ".avi": true, ".mov": true, ".wmv": true, ".flv": true, ".mkv": true,
	".webm": true, ".wav": true, ".ogg": true, ".css": true, ".js": true, ".woff": true, ".woff2": true,
	".ttf": true, ".eot": true, ".json": true, ".xml": true, ".rss": true, ".atom": true,
}

// trapReason says why a normalised URL looks like a crawler trap or a
// non-page resource, or "" when it may be fetched.
func trapReason(u *url.URL) string {
	if skipExt[strings.ToLower(path.Ext(u.Path))] {
		return "extension"
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) > maxPathSegments {
		return "deep path"
	}
	seen := make(map[string]int, len(segs))
	for _, s := range segs {
		if s == "" {
			continue
		}
		seen[s]++
		if seen[s] > maxSegmentRepeats {
			return "repeated segment"
		}
	}
	if u.RawQuery != "" && strings.Count(u.RawQuery, "&")+1 > maxQueryParams {
		return "long query"
	}
	return ""
}

// template is the shape of a URL with digits blanked and query values
// dropped: /agenda?bulan=2031-05 and /agenda?bulan=2031-06 share it. A
// calendar or a pager yields endless URLs of one shape, so the crawl takes
// only a few of each.
func template(u *url.URL) string {
	var b strings.Builder
	b.Grow(len(u.Host) + len(u.Path) + 16)
	b.WriteString(u.Host)
	for _, r := range u.Path {
		if r >= '0' && r <= '9' {
			b.WriteByte('0')
			continue
		}
		b.WriteRune(r)
	}
	if u.RawQuery != "" {
		keys := make([]string, 0, 4)
		for _, kv := range strings.Split(u.RawQuery, "&") {
			k, _, _ := strings.Cut(kv, "=")
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('?')
		b.WriteString(strings.Join(keys, "&"))
	}
	return b.String()
}
