// Package fleet runs a simulated fleet of regional government websites on
// loopback, for the demo, the tests and the benchmarks.
//
// It owns the sites' ground truth (a table of fictional kota, kabupaten and
// provinces, a few English-speaking councils, and synthetic fleets of any
// size generated from a seed), their content, the simulated national systems
// they link to (LAPOR!, OSS, MPP Digital, Dukcapil, Satu Data, JDIHN, a
// national SSO), a private certificate authority, and the faults some sites
// show on purpose: down, slow, maintenance, dead service links, a firewall
// block, an expired certificate, robots.txt variants and, on request, a
// compromised site full of hostile markup. Seven kecamatan, desa and dinas
// sites (classes.go) show the ways of misreading evidence of issue 10: a
// national link whose lookup fails, news about payments, a staff login, a
// booking e-mail address, a provincial portal link, an embedded Google Form
// (docs.google.com is served by the fleet) and a service behind an onclick
// button.
//
// One HTTP and one HTTPS listener on 127.0.0.1 serve every host by Host
// header and SNI; Resolve tells a crawler where each "host:port" lives so
// nothing ever leaves loopback. Content is deterministic: dates derive from
// Options.RefDate (or Options.Now when a clock is given), variation from
// Options.Seed; only certificate validity follows the real clock, because
// TLS clients check it against that clock.
//
// Sites can change over time: Options.Phases (see Phase and DemoHistory)
// give a site fewer features earlier in its life, services in maintenance,
// whole-site maintenance or slow hours, and the fleet serves the state in
// force at Options.Now; SitesAt tells the truth at any time. The demo moves
// the clock through a year, so its history is made of real crawls of real
// states with known answers.
//
// Imports: the standard library and the root package egovbench (for Target,
// Stage and Outcome). It never imports crawler, analyzer, store or reports.
package fleet
