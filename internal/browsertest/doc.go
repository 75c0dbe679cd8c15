// Package browsertest opens a folder of static HTML (the egovbench report) in
// headless Debian Chromium and reports what a careful reader would notice:
// pages that do not load, images that do not load or are blank, console
// errors, any script that runs (a cross-site scripting canary, dialogs,
// Content-Security-Policy violations) and internal links that lead nowhere.
//
// It serves the folder itself on 127.0.0.1 with httptest and starts
// Chromium with background networking off and a host resolver that maps
// every name to nothing, so a test never sends traffic off the machine.
//
// It may import the standard library and chromedp/cdproto only. It is used
// by tests (reports/) and by the lead's check of the demo report; it is not
// part of the egovbench binary.
package browsertest
