package schedule

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration read from the config as a Go duration string
// that may also use a "d" (24 h) unit: "90d", "1d12h", "5m", "250ms".
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d the way ParseDuration reads it back, preferring whole days.
func (d Duration) String() string {
	v := time.Duration(d)
	const day = 24 * time.Hour
	if v != 0 && v%day == 0 {
		return strconv.FormatInt(int64(v/day), 10) + "d"
	}
	return v.String()
}

// UnmarshalYAML reads a duration string. Errors are returned as a
// *yaml.TypeError carrying the line so that they end up next to the decoder's
// own errors and can be attributed to the field.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return lineError(n, "want a duration like 30s, 5m or 90d")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return lineError(n, err.Error())
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as a string ParseDuration accepts.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// ParseDuration is time.ParseDuration plus a "d" unit of 24 hours, because
// retention periods are naturally counted in days. A bare number other than 0
// is refused: "30" could mean seconds or days.
func ParseDuration(s string) (time.Duration, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var days float64
	var rest strings.Builder
	isNum := func(c byte) bool { return c == '.' || (c >= '0' && c <= '9') }
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isNum(s[j]) {
			j++
		}
		if j == i {
			return 0, fmt.Errorf("bad duration %q", in)
		}
		k := j
		for k < len(s) && !isNum(s[k]) {
			k++
		}
		if s[j:k] == "d" {
			f, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil {
				return 0, fmt.Errorf("bad duration %q", in)
			}
			days += f
		} else {
			rest.WriteString(s[i:k])
		}
		i = k
	}
	// The day part is checked in float64 before conversion so that a huge
	// value is an error rather than a silent wrap-around.
	dayPart := days * float64(24*time.Hour)
	if dayPart > math.MaxInt64/2 {
		return 0, fmt.Errorf("duration %q too large", in)
	}
	total := time.Duration(dayPart)
	if rest.Len() > 0 {
		v, err := time.ParseDuration(rest.String())
		if err != nil {
			return 0, fmt.Errorf("bad duration %q (use units like 30s, 5m, 2h, 90d)", in)
		}
		if v > math.MaxInt64-total {
			return 0, fmt.Errorf("duration %q too large", in)
		}
		total += v
	}
	if neg {
		total = -total
	}
	return total, nil
}

// ByteSize is a number of bytes read from the config either as an integer or
// with a unit: "5MB", "512KiB", "2 MiB". Decimal units (kB, MB, GB) are powers
// of 1000, binary ones (KiB, MiB, GiB) powers of 1024.
type ByteSize int64

// UnmarshalYAML reads an integer or a size string.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return lineError(n, "want a size like 5MB or 524288")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return lineError(n, err.Error())
	}
	*b = ByteSize(v)
	return nil
}

// MarshalYAML writes b as a plain integer.
func (b ByteSize) MarshalYAML() (any, error) { return int64(b), nil }

var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
}

// ParseByteSize reads "1048576", "5MB", "512KiB" or "1.5 MiB".
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] == '.' || (t[i] >= '0' && t[i] <= '9')) {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	mult, ok := byteUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("bad size unit in %q (use B, kB, MB, GB, KiB, MiB, GiB)", s)
	}
	f, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return int64(v), nil
}

// lineError reports a bad scalar in the form the yaml decoder uses for its
// own type errors ("line N: ..."), so LoadConfig can name the field.
func lineError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}
