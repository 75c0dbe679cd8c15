package crawler

import (
	"mime"
	"net/http"
	"strings"

	"github.com/egovbench/egovbench"
)

// maintenanceWords are notices that a site or service is not available:
// maintenance, construction, "coming soon", in Indonesian and English.
var maintenanceWords = []string{
	"under maintenance", "maintenance mode", "scheduled maintenance", "site maintenance",
	"sedang dalam perbaikan", "sedang perbaikan", "dalam perbaikan", "sedang maintenance",
	"dalam pemeliharaan", "sedang pemeliharaan", "pemeliharaan sistem", "pemeliharaan server",
	"dalam pengembangan", "sedang dalam pengembangan", "under construction", "coming soon",
	"segera hadir", "website sedang", "situs sedang", "temporarily unavailable",
	"service unavailable", "layanan tidak tersedia", "sementara tidak dapat diakses",
}

// challengeWords mark WAF and bot challenges: the site answered, but not to us.
var challengeWords = []string{
	"just a moment...", "checking your browser", "attention required! | cloudflare",
	"enable javascript and cookies to continue", "ddos protection by", "verify you are human",
	"access denied | ", "request unsuccessful. incapsula", "sucuri website firewall",
	"the requested url was rejected", "web application firewall",
}

// noticeTextLen is the visible text below which a page that mentions
// maintenance is taken as a notice rather than a page that mentions it.
const noticeTextLen = 1500

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// pageWords is a page's title and, when the page says little, its text,
// lower-cased once for the notice and challenge checks.
type pageWords struct {
	title string
	short string // the text of a page under noticeTextLen, else ""
}

func wordsOf(f pageFacts) pageWords {
	w := pageWords{title: strings.ToLower(f.Title)}
	if f.TextLen < noticeTextLen {
		w.short = strings.ToLower(f.Text)
	}
	return w
}

// isNotice reports whether the page is a maintenance or "coming soon"
// notice: it says so in its title, or it says so and says little else.
func isNotice(w pageWords) bool {
	if containsAny(w.title, maintenanceWords) || strings.Contains(w.title, "maintenance") {
		return true
	}
	return containsAny(w.short, maintenanceWords)
}

// isChallenge reports whether a page is a WAF or bot challenge.
func isChallenge(h http.Header, w pageWords) bool {
	if strings.EqualFold(h.Get("Cf-Mitigated"), "challenge") {
		return true
	}
	return containsAny(w.title, challengeWords) || containsAny(w.short, challengeWords)
}

// mediaType is the lower-case media type of a Content-Type value.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// classifyStatus maps an HTTP status (with its page, when one was read) to
// an outcome. facts is nil when there is no HTML to look at.
func classifyStatus(status int, h http.Header, facts *pageFacts) egovbench.Outcome {
	var challenge, notice bool
	if facts != nil {
		w := wordsOf(*facts)
		challenge, notice = isChallenge(h, w), isNotice(w)
	}
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusForbidden, challenge:
		return egovbench.OutcomeBlocked
	case status == http.StatusServiceUnavailable, notice:
		return egovbench.OutcomeMaintenance
	case status >= 400:
		return egovbench.OutcomeHTTPError
	}
	return egovbench.OutcomeOK
}
