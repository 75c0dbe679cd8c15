package crawler

// DecodeHTML returns an HTML body as valid UTF-8, choosing its encoding the
// way browsers do (BOM, Content-Type charset, <meta>, UTF-8 check,
// windows-1252). The classify command uses it so that saved pages are read
// exactly as crawled ones are.
func DecodeHTML(body []byte, contentType string) []byte { return decodeHTML(body, contentType) }
