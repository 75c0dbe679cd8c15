package egovbench

import "testing"

func TestRoundDegraded(t *testing.T) {
	mk := func(os ...Outcome) []Probe {
		ps := make([]Probe, len(os))
		for i, o := range os {
			ps[i] = Probe{TargetID: string(rune('a' + i)), Outcome: o}
		}
		return ps
	}
	ok, to, ref, dns, tlsE, http := OutcomeOK, OutcomeTimeout, OutcomeConnectionRefused, OutcomeDNSError, OutcomeTLSError, OutcomeHTTPError
	cases := []struct {
		name            string
		round, canaries []Probe
		want            bool
	}{
		{"all up", mk(ok, ok, ok, ok), nil, false},
		{"one site down", mk(ok, ok, ok, to), nil, false},
		{"half down is not most", mk(ok, ok, to, ref), nil, false},
		{"most failed with network errors", mk(ok, to, ref, dns), nil, true},
		{"every target unreachable", mk(ref, ref, ref, ref, ref), nil, true},
		{"too few targets to tell", mk(ref, ref, ref), nil, false},
		{"server answers are not network failures", mk(http, http, http, tlsE), nil, false},
		{"a canary answered: the sites are down, not us", mk(ref, ref, ref, ref), mk(to, ok), false},
		{"every canary failed", mk(ok, ok), mk(to, dns), true},
		{"canaries fail, with a server answer", mk(ref, ref, ref, ref), mk(http), false},
	}
	for _, tc := range cases {
		if got, why := RoundDegraded(tc.round, tc.canaries); got != tc.want || got != (why != "") {
			t.Errorf("%s: degraded %v (%q), want %v", tc.name, got, why, tc.want)
		}
	}
}
