package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// dict maps a label key to its text in one language. Both dictionaries must
// hold the same keys (a test checks it), so no page shows a bare key.
type dict map[string]string

// labels is the language a report is written in.
type labels struct {
	lang string
	d    dict
	// canvases is the report's pool of chart canvases; it rides along with
	// the labels because every chart function already receives them.
	canvases *canvasPool
}

func newLabels(lang string) *labels {
	if lang == "id" {
		return &labels{lang: "id", d: dictID, canvases: &canvasPool{}}
	}
	return &labels{lang: "en", d: dictEN, canvases: &canvasPool{}}
}

// T returns the label for key; a missing key shows up visibly as [key]
// rather than as an empty cell.
func (l *labels) T(key string) string {
	if s, ok := l.d[key]; ok {
		return s
	}
	return "[" + key + "]"
}

// Stage names the stage in the report's language.
func (l *labels) Stage(s egovbench.Stage) string {
	if s < egovbench.StageNone || s > egovbench.StageTransaction {
		return l.T("stage_none")
	}
	return l.T("stage_" + s.String())
}

// Criterion names a criterion in the report's language.
func (l *labels) Criterion(c egovbench.Criterion) string {
	if s, ok := l.d["crit_"+string(c)]; ok {
		return s
	}
	return string(c)
}

// Region names a region; sites without one are grouped visibly, not dropped.
func (l *labels) Region(r string) string {
	if strings.TrimSpace(r) == "" {
		return l.T("no_region")
	}
	return r
}

// Num formats v with prec decimals using the language's decimal separator.
func (l *labels) Num(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if l.lang == "id" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Pct formats a 0-1 share as a percentage.
func (l *labels) Pct(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return l.Num(v*100, prec) + " %"
}

var monthsID = [12]string{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"}

// Date formats a day the way readers of the language write it (2 Jan 2026,
// 2 Agu 2026); the caller converts to the report's zone first.
func (l *labels) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	m := t.Format("Jan")
	if l.lang == "id" {
		m = monthsID[t.Month()-1]
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m, t.Year())
}

// MonthYear formats an axis tick for long time spans.
func (l *labels) MonthYear(t time.Time) string {
	m := t.Format("Jan")
	if l.lang == "id" {
		m = monthsID[t.Month()-1]
	}
	return fmt.Sprintf("%s %d", m, t.Year())
}

// DateTime formats an instant with hour and minute and the zone's abbreviation.
func (l *labels) DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return l.Date(t) + " " + t.Format("15:04 MST")
}

// Weekday names a weekday; Monday first is the order reports use.
func (l *labels) Weekday(d time.Weekday) string {
	return l.T("wd_" + strconv.Itoa(int(d)))
}

// Indicator returns the indicator's name in the report's language.
func (l *labels) Indicator(ind egovbench.Indicator) string {
	name := ind.NameEN
	if l.lang == "id" {
		name = ind.NameID
	}
	if name == "" {
		name = ind.ID
	}
	return name
}

// Sites counts sites with the noun in the right number ("1 site", "2 sites").
func (l *labels) Sites(n int) string {
	if n == 1 {
		return fmt.Sprintf(l.T("n_site_one"), n)
	}
	return fmt.Sprintf(l.T("n_site"), n)
}

// pick returns the Indonesian text in an Indonesian report when there is
// one, else the English: a user catalogue may lack translations, and English
// then beats an empty cell.
func (l *labels) pick(en, id string) string {
	if l.lang == "id" && strings.TrimSpace(id) != "" {
		return id
	}
	return en
}

// IndicatorDescription returns what counts for the indicator, in the
// report's language.
func (l *labels) IndicatorDescription(ind egovbench.Indicator) string {
	return l.pick(ind.Description, ind.DescriptionID)
}

// Framework names a maturity framework in the report's language.
func (l *labels) Framework(fw egovbench.Framework) string { return l.pick(fw.Name, fw.NameID) }

// Level names a framework level in the report's language.
func (l *labels) Level(fl egovbench.FrameworkLevel) string { return l.pick(fl.Name, fl.NameID) }

// LevelDescription states a framework level's rule in the report's language.
func (l *labels) LevelDescription(fl egovbench.FrameworkLevel) string {
	return l.pick(fl.Description, fl.DescriptionID)
}

// Outcome names a probe outcome class (an outage's cause).
func (l *labels) Outcome(o egovbench.Outcome) string {
	if s, ok := l.d["oc_"+string(o)]; ok {
		return s
	}
	return string(o)
}

// DeadReason translates the analyzer's reason why a service link is dead
// ("http 404", "maintenance page", an outcome class); an unknown reason is
// shown as recorded.
func (l *labels) DeadReason(r string) string {
	if code, ok := strings.CutPrefix(r, "http "); ok {
		return "HTTP " + code
	}
	switch r {
	case "maintenance page":
		return l.T("dead_maintenance")
	case "maintenance or coming-soon page":
		return l.T("dead_coming_soon")
	}
	return l.Outcome(egovbench.Outcome(r))
}

var dictEN = dict{
	"title":                         "E-government maturity and availability report",
	"title_changes":                 "Changes since the previous run",
	"title_methodology":             "Methodology",
	"nav_index":                     "Overview",
	"nav_changes":                   "Changes",
	"nav_methodology":               "Methodology",
	"generated":                     "Generated",
	"zone_note":                     "Dates and hours are shown in",
	"headline":                      "Headline figures",
	"sites":                         "Sites",
	"site":                          "Site",
	"assessed":                      "Assessed",
	"reachable":                     "Reachable at the last run",
	"median_score":                  "Median score",
	"uptime_30d":                    "Uptime 30 d",
	"uptime_30d_checks":             "Uptime 30 d (checks)",
	"uptime_30d_time":               "Uptime 30 d (time-weighted)",
	"charts":                        "Charts",
	"ranking":                       "Ranking",
	"rank":                          "Rank",
	"region":                        "Region",
	"regions":                       "Regions",
	"region_summary":                "Region summary",
	"level":                         "Level",
	"stage":                         "Stage",
	"score":                         "Score",
	"last_change":                   "Last change",
	"no_change":                     "no change recorded",
	"no_region":                     "(no region)",
	"all_sites":                     "All sites",
	"stage_none":                    "Not assessed",
	"stage_presence":                "Presence",
	"stage_interaction":             "Interaction",
	"stage_integration":             "Integration",
	"stage_transaction":             "Transaction",
	"crit_institutional_framework":  "Institutional framework",
	"crit_content_provision":        "Content provision",
	"crit_services_provision":       "Services provision",
	"crit_participation_engagement": "Participation and engagement",
	"crit_technology":               "Technology",
	"frameworks":                    "Stage under each framework",
	"framework":                     "Framework",
	"level_assigned":                "Level",
	"criterion_scores":              "Score per criterion",
	"criterion":                     "Criterion",
	"previous":                      "Previous",
	"indicators":                    "Indicator checklist",
	"indicator":                     "Indicator",
	"met":                           "Met",
	"not_met":                       "Not met",
	"evidence":                      "Evidence",
	"page":                          "Page",
	"element":                       "Element",
	"matched_text":                  "Matched text",
	"no_evidence":                   "no evidence recorded",
	"js_only":                       "(only with JavaScript)",
	"dead_services":                 "Dead service links",
	"no_dead_services":              "No dead service links were found.",
	"link":                          "Link",
	"link_text":                     "Link text",
	"reason":                        "Reason",
	"next_steps":                    "What is missing for the next stage",
	"next_steps_none":               "Nothing listed: the site is at the highest stage or no next step is known.",
	"next_stage":                    "Next stage",
	"uptime_history":                "Uptime and latency history",
	"changes_since":                 "Changes since the previous run",
	"no_previous":                   "No previous assessment to compare with.",
	"stage_moves":                   "Stage moves",
	"no_stage_moves":                "No site changed stage.",
	"from":                          "From",
	"to":                            "To",
	"indicators_gained":             "Indicators gained",
	"indicators_lost":               "Indicators lost",
	"none":                          "none",
	"went_down":                     "Sites that went down",
	"no_went_down":                  "No site that could be reached at the earlier run is unreachable now.",
	"outages":                       "Outages",
	"cause":                         "Cause",
	"started":                       "Started",
	"ended":                         "Ended",
	"ongoing":                       "ongoing",
	"unreachable":                   "unreachable",
	"not_measured":                  "not measured",
	"prober_degraded_text":          "%d probe rounds in the last 30 days were not recorded because our own prober was offline (every canary, or most sites, failed with network errors at once); they count in no uptime figure and opened no outage. Last: %s.",
	"not_measured_sites":            "Not measured in the latest run",
	"not_measured_note":             "The latest run could not observe this site, so it has no stage, score or rank for that run; it is not counted as a site with nothing on it.",
	"status_assessed":               "Assessed",
	"status_unreachable":            "Not reachable",
	"status_blocked":                "Refused our crawler",
	"status_not_official":           "Not the official site (the address now leads elsewhere)",
	"cause_timeout":                 "no answer within the time limit",
	"cause_connection_refused":      "the server refused or dropped the connection",
	"cause_dns_error":               "the address does not exist (DNS)",
	"cause_tls_error":               "the secure connection failed (certificate or TLS)",
	"cause_http_error":              "the server answered with an error",
	"cause_maintenance":             "the site said it is under maintenance",
	"cause_blocked":                 "access denied (403, 429, a firewall challenge or robots.txt)",
	"cause_redirect_loop":           "the address redirects in a loop",
	"cause_invalid_content":         "the address does not serve a web page",
	"cause_private_address":         "the address points into a private network",
	"cause_too_large":               "the homepage is larger than the limit",
	"cause_error":                   "an unexpected error",
	"reachable_yes":                 "reachable",
	"confidence":                    "Confidence",
	"assessed_at":                   "Assessed",
	"pages_analyzed":                "Pages analysed",
	"url":                           "Address",
	"not_assessed_yet":              "This site has not been assessed yet.",
	"catalogue_version":             "Indicator catalogue version",
	"stage_rules":                   "How a stage is decided",
	"stage_rules_text":              "Each indicator is a yes/no observation backed by evidence (the page, the element and the text that matched). Every stage above presence has its own indicators. A site reaches a stage when it meets the indicators that evidence that stage; the stages are ordered presence, interaction, integration, transaction, and a site that cannot be reached or shows no official content is not assessed. The score (0–100) is the share of indicators met, weighted by criterion; technology indicators count in the score but not in the stage.",
	"catalogue":                     "Indicator catalogue",
	"description":                   "Description",
	"agreement":                     "Calibration: agreement on the pages the rules were tuned on",
	"calibration_note":              "The rules were written while looking at these pages, so this agreement is optimistic; it only guards against regressions. The accuracy to quote is the validation figure above.",
	"validation":                    "Validation: agreement on sites the rules were never tuned on",
	"validation_note":               "Whole real government websites, crawled as a visitor would and labelled by two independent readers. This is the accuracy egovbench publishes.",
	"agreement_features":            "Precision and recall per feature of the rubric",
	"feature":                       "Feature",
	"precision":                     "Precision",
	"recall":                        "Recall",
	"support":                       "Examples",
	"unverified_services":           "Service links that could not be checked",
	"unverified_note":               "The crawl could not reach these links (a network failure on our side, a firewall or a refusal), so they count by their words and address; they were not found dead.",
	"language_uncovered":            "This site is written in a language (%s) the catalogue has no terms for: its evidence was read from structure and addresses only, and the confidence is lower.",
	"agreement_none":                "Agreement with reference labels has not been measured for this report.",
	"agreement_labelled":            "Sites with a reference label",
	"agreement_exact":               "Same stage",
	"agreement_adjacent":            "Within one stage",
	"agreement_kappa":               "Cohen's kappa",
	"agreement_source":              "Reference",
	"agreement_matrix":              "Reference stage (rows) against assessed stage (columns)",
	"reference":                     "Reference",
	"uptime_rules":                  "How availability is measured",
	"uptime_rules_text":             "Each probe requests the homepage. Check-count uptime is the share of probes that succeeded; time-weighted uptime takes each probe's result to hold until the next probe, so a change of probe interval does not skew it. Probes that were blocked (403, 429, robots.txt) count in neither. Latency is the total response time of successful probes; the daily charts show its median (p50, the typical response) and 95th percentile (p95, the slow tail), estimated from a latency histogram to within about 5%. Over all sites, each day shows the median over sites of their own p50 and p95.",
	"frameworks_list":               "Maturity frameworks",
	"no_data":                       "No data",
	"chart_no_data_note":            "There is no data for this chart yet.",
	"ch_stage_dist":                 "Sites by maturity stage",
	"ch_stage_dist_alt":             "Stacked bar chart of the number of sites at each maturity stage, overall and per region.",
	"ch_trend":                      "Maturity score over time",
	"ch_trend_alt":                  "Line chart of each site's maturity score (thin grey lines) and the median score per region (coloured lines) across runs; gaps mark runs without an assessment.",
	"ch_ranking":                    "Sites ranked by score",
	"ch_ranking_alt":                "Horizontal bar chart of sites ranked by maturity score, each bar coloured by the site's stage.",
	"ch_ranking_top":                "top %d and bottom %d of %d sites",
	"ch_coverage":                   "Share of sites meeting each indicator",
	"ch_coverage_alt":               "Horizontal bar chart of the share of assessed sites that meet each indicator, grouped and coloured by criterion.",
	"ch_uptime":                     "Daily availability, all sites",
	"ch_uptime_alt":                 "Line chart of daily availability of all sites together: check-count uptime and time-weighted uptime.",
	"ch_uptime_regions":             "Daily availability by region (checks)",
	"ch_uptime_regions_alt":         "Line chart of daily check-count availability per region.",
	"ch_uptime_regions_t":           "Daily availability by region (time-weighted)",
	"ch_uptime_regions_t_alt":       "Line chart of daily time-weighted availability per region.",
	"ch_latency":                    "Daily response time, all sites",
	"ch_latency_alt":                "Line chart of daily response time of successful probes: the median over sites of each site's median (p50) and the median over sites of each site's 95th percentile (p95).",
	"ch_hour_avail":                 "Availability by hour and weekday",
	"ch_hour_avail_alt":             "Heat map of availability (check-count, percent) by local hour of day (columns) and weekday (rows); each cell is labelled.",
	"ch_hour_latency":               "Mean response time by hour and weekday",
	"ch_hour_latency_alt":           "Heat map of mean response time in milliseconds by local hour of day (columns) and weekday (rows); each cell is labelled.",
	"ch_transitions":                "Stage transitions between the last two runs",
	"ch_transitions_alt":            "Grid counting sites by stage at the earlier run (rows) and at the last run (columns); cells off the diagonal are sites that moved.",
	"ch_site_trend":                 "Maturity score over time",
	"ch_site_uptime":                "Daily availability",
	"ch_site_latency":               "Daily response time",
	"ch_site_history":               "Score, availability and response time over time",
	"ch_site_history_alt":           "Three charts on one time axis: this site's maturity score across runs (gaps mark runs where it could not be assessed); its availability by complete week (Monday to Sunday, UTC), check-count and time-weighted; and its weekly response time, the median day's p50 and p95 of successful probes.",
	"ax_date":                       "Date",
	"ax_score":                      "Score (0–100)",
	"ax_sites":                      "Number of sites",
	"ax_share":                      "Sites meeting the indicator (%)",
	"ax_uptime":                     "Availability (%)",
	"ax_latency":                    "Response time (ms)",
	"ax_hour":                       "Hour of day",
	"ax_weekday":                    "Weekday",
	"ax_prev_stage":                 "Stage at previous run",
	"ax_last_stage":                 "Stage at last run",
	"ax_region":                     "Region",
	"s_checks":                      "check-count",
	"s_time":                        "time-weighted",
	"s_p50":                         "p50",
	"s_p50_median":                  "median of sites' p50",
	"s_p95":                         "p95",
	"s_p95_median":                  "median of sites' p95",
	"s_median":                      "median",
	"moved_up":                      "moved up",
	"moved_down":                    "moved down",
	"wd_0":                          "Sun",
	"wd_1":                          "Mon",
	"wd_2":                          "Tue",
	"wd_3":                          "Wed",
	"wd_4":                          "Thu",
	"wd_5":                          "Fri",
	"wd_6":                          "Sat",
	"truncated":                     "(shortened)",
	"yes":                           "yes",
	"no":                            "no",
	"oc_ok":                         "up",
	"oc_http_error":                 "HTTP error",
	"oc_maintenance":                "maintenance",
	"oc_blocked":                    "blocked",
	"oc_timeout":                    "timeout",
	"oc_dns_error":                  "DNS error",
	"oc_connection_refused":         "connection refused",
	"oc_tls_error":                  "TLS certificate error",
	"oc_redirect_loop":              "redirect loop",
	"oc_too_large":                  "page too large",
	"oc_invalid_content":            "not a web page",
	"oc_private_address":            "private address refused",
	"oc_error":                      "other error",
	"dead_maintenance":              "maintenance page",
	"dead_coming_soon":              "maintenance or coming-soon page",
	"summary":                       "Summary",
	"sum_at_stage":                  "%d at %s",
	"sum_stages":                    "Of %s, %d could be assessed: %s.",
	"sum_not_assessed":              "%d could not be assessed.",
	"sum_no_previous":               "There is no earlier run to compare with yet.",
	"sum_since_previous":            "Since the previous run (%s)",
	"sum_since_date":                "Since %s",
	"sum_year_ago":                  "Since a year ago (%s)",
	"sum_first_run":                 "Since the first run (%s)",
	"sum_no_moves":                  "no site changed stage (%d compared)",
	"sum_moves":                     "%s moved up a stage and %d moved down, of %d compared",
	"sum_gained_lost":               "%d gained and %d lost at least one indicator",
	"sum_median":                    "the median score went from %s to %s",
	"sum_missing":                   "The services most often missing:",
	"sum_missing_item":              "%s (missing at %d of %s)",
	"sum_all_up":                    "No site is down, and every site was available at least %s of the time over 30 days.",
	"sum_down":                      "Down at the last check (%d):",
	"sum_degraded":                  "Available less than %[2]s of the time over 30 days (%[1]d):",
	"sum_more":                      "and %d more",
	"and":                           "and",
	"as_of_run":                     "Data as of %s (run %d)",
	"as_of_none":                    "No site has been assessed yet",
	"settings_run":                  "Crawl settings of run %d",
	"settings_none":                 "Crawl settings: not recorded",
	"set_max_pages":                 "pages per site at most",
	"set_max_page_bytes":            "bytes per page at most",
	"set_render":                    "script rendering",
	"set_catalogue":                 "indicator catalogue",
	"settings_changed":              "Changes under different crawl settings",
	"settings_changed_note":         "Our own crawl settings (or indicator catalogue) differed between the two runs compared, so these differences may come from us rather than from the sites; they are not counted as the sites' gains or losses above.",
	"settings_what":                 "What we changed",
	"set_max_depth":                 "link depth",
	"set_delay":                     "delay between requests to a host",
	"set_per_host":                  "requests in flight per host",
	"set_request_timeout":           "timeout per request",
	"set_site_timeout":              "timeout per site",
	"set_user_agent":                "user agent",
	"n_site":                        "%d sites",
	"n_site_one":                    "%d site",
	"title_changes_since":           "Changes since %s",
	"baseline_run":                  "run %d",
	"ch_transitions_since":          "Stage transitions since %s",
	"ax_base_stage":                 "Stage at the baseline",
	"data_csv":                      "data (CSV)",
	"no_probes":                     "no probes",
	"unit_ms":                       "ms",
	"ch_top_regions":                "the %d least available of %d regions; all are in the region summary",
	"ch_top_regions_sites":          "medians of the %d largest of %d regions; all are in the region summary",
	"uptime_weeks_checks":           "Uptime, last 4 full weeks (checks)",
	"uptime_weeks_time":             "Uptime, last 4 full weeks (time-weighted)",
	"steady_score":                  "Score steady at %s across %d assessments since %s",
	"steady_uptime":                 "available at every check in each of %d complete weeks",
	"steady_latency":                "typical response time (p50) %s ms",
	"ranking_pages":                 "Ranking pages",
}

var dictID = dict{
	"title":                         "Laporan kematangan dan ketersediaan e-government",
	"title_changes":                 "Perubahan sejak pengukuran sebelumnya",
	"title_methodology":             "Metodologi",
	"nav_index":                     "Ringkasan",
	"nav_changes":                   "Perubahan",
	"nav_methodology":               "Metodologi",
	"generated":                     "Dibuat",
	"zone_note":                     "Tanggal dan jam ditampilkan dalam zona",
	"headline":                      "Angka utama",
	"sites":                         "Situs",
	"site":                          "Situs",
	"assessed":                      "Dinilai",
	"reachable":                     "Dapat diakses pada pengukuran terakhir",
	"median_score":                  "Skor median",
	"uptime_30d":                    "Ketersediaan 30 hari",
	"uptime_30d_checks":             "Ketersediaan 30 hari (pemeriksaan)",
	"uptime_30d_time":               "Ketersediaan 30 hari (berbobot waktu)",
	"charts":                        "Grafik",
	"ranking":                       "Peringkat",
	"rank":                          "Peringkat",
	"region":                        "Wilayah",
	"regions":                       "Wilayah",
	"region_summary":                "Ringkasan wilayah",
	"level":                         "Tingkat",
	"stage":                         "Tahap",
	"score":                         "Skor",
	"last_change":                   "Perubahan terakhir",
	"no_change":                     "belum ada perubahan",
	"no_region":                     "(tanpa wilayah)",
	"all_sites":                     "Semua situs",
	"stage_none":                    "Tidak dinilai",
	"stage_presence":                "Kehadiran",
	"stage_interaction":             "Interaksi",
	"stage_integration":             "Integrasi",
	"stage_transaction":             "Transaksi",
	"crit_institutional_framework":  "Kerangka kelembagaan",
	"crit_content_provision":        "Penyediaan konten",
	"crit_services_provision":       "Penyediaan layanan",
	"crit_participation_engagement": "Partisipasi dan keterlibatan",
	"crit_technology":               "Teknologi",
	"frameworks":                    "Tahap menurut setiap kerangka",
	"framework":                     "Kerangka",
	"level_assigned":                "Tingkat",
	"criterion_scores":              "Skor per kriteria",
	"criterion":                     "Kriteria",
	"previous":                      "Sebelumnya",
	"indicators":                    "Daftar periksa indikator",
	"indicator":                     "Indikator",
	"met":                           "Terpenuhi",
	"not_met":                       "Belum terpenuhi",
	"evidence":                      "Bukti",
	"page":                          "Halaman",
	"element":                       "Elemen",
	"matched_text":                  "Teks yang cocok",
	"no_evidence":                   "tidak ada bukti tercatat",
	"js_only":                       "(hanya dengan JavaScript)",
	"dead_services":                 "Tautan layanan mati",
	"no_dead_services":              "Tidak ditemukan tautan layanan mati.",
	"link":                          "Tautan",
	"link_text":                     "Teks tautan",
	"reason":                        "Alasan",
	"next_steps":                    "Yang kurang untuk tahap berikutnya",
	"next_steps_none":               "Tidak ada: situs sudah di tahap tertinggi atau langkah berikutnya belum diketahui.",
	"next_stage":                    "Tahap berikutnya",
	"uptime_history":                "Riwayat ketersediaan dan waktu respons",
	"changes_since":                 "Perubahan sejak pengukuran sebelumnya",
	"no_previous":                   "Belum ada penilaian sebelumnya untuk dibandingkan.",
	"stage_moves":                   "Perpindahan tahap",
	"no_stage_moves":                "Tidak ada situs yang berpindah tahap.",
	"from":                          "Dari",
	"to":                            "Ke",
	"indicators_gained":             "Indikator yang bertambah",
	"indicators_lost":               "Indikator yang hilang",
	"none":                          "tidak ada",
	"went_down":                     "Situs yang menjadi tidak dapat diakses",
	"no_went_down":                  "Tidak ada situs yang dapat diakses pada pengukuran sebelumnya kini tidak dapat diakses.",
	"outages":                       "Gangguan",
	"cause":                         "Penyebab",
	"started":                       "Mulai",
	"ended":                         "Selesai",
	"ongoing":                       "masih berlangsung",
	"unreachable":                   "tidak dapat diakses",
	"not_measured":                  "tidak terukur",
	"prober_degraded_text":          "%d putaran pemeriksaan dalam 30 hari terakhir tidak dicatat karena pemeriksa kami sendiri sedang luring (semua kanari, atau sebagian besar situs, gagal dengan galat jaringan bersamaan); putaran itu tidak dihitung dalam angka ketersediaan dan tidak membuka gangguan. Terakhir: %s.",
	"not_measured_sites":            "Tidak terukur pada putaran terakhir",
	"not_measured_note":             "Putaran terakhir tidak dapat mengamati situs ini, sehingga situs ini tidak mendapat tahap, skor, atau peringkat untuk putaran itu; situs ini tidak dihitung sebagai situs tanpa isi.",
	"status_assessed":               "Dinilai",
	"status_unreachable":            "Tidak dapat dijangkau",
	"status_blocked":                "Menolak perayap kami",
	"status_not_official":           "Bukan situs resmi (alamatnya kini mengarah ke tempat lain)",
	"cause_timeout":                 "tidak ada jawaban dalam batas waktu",
	"cause_connection_refused":      "server menolak atau memutus koneksi",
	"cause_dns_error":               "alamat tidak ada (DNS)",
	"cause_tls_error":               "koneksi aman gagal (sertifikat atau TLS)",
	"cause_http_error":              "server menjawab dengan galat",
	"cause_maintenance":             "situs menyatakan sedang dalam pemeliharaan",
	"cause_blocked":                 "akses ditolak (403, 429, tantangan firewall, atau robots.txt)",
	"cause_redirect_loop":           "alamat mengalihkan berputar-putar",
	"cause_invalid_content":         "alamat tidak menyajikan halaman web",
	"cause_private_address":         "alamat mengarah ke jaringan privat",
	"cause_too_large":               "beranda lebih besar dari batas",
	"cause_error":                   "galat yang tidak terduga",
	"reachable_yes":                 "dapat diakses",
	"confidence":                    "Tingkat keyakinan",
	"assessed_at":                   "Dinilai",
	"pages_analyzed":                "Halaman dianalisis",
	"url":                           "Alamat",
	"not_assessed_yet":              "Situs ini belum dinilai.",
	"catalogue_version":             "Versi katalog indikator",
	"stage_rules":                   "Cara tahap ditentukan",
	"stage_rules_text":              "Setiap indikator adalah pengamatan ya/tidak yang didukung bukti (halaman, elemen, dan teks yang cocok). Setiap tahap di atas kehadiran memiliki indikatornya sendiri. Sebuah situs mencapai suatu tahap jika memenuhi indikator yang membuktikan tahap itu; urutan tahap adalah kehadiran, interaksi, integrasi, transaksi, dan situs yang tidak dapat diakses atau tidak menampilkan konten resmi tidak dinilai. Skor (0–100) adalah bagian indikator yang terpenuhi, dibobot per kriteria; indikator teknologi dihitung dalam skor tetapi tidak dalam tahap.",
	"catalogue":                     "Katalog indikator",
	"description":                   "Keterangan",
	"agreement":                     "Kalibrasi: kesesuaian pada halaman tempat aturan disetel",
	"calibration_note":              "Aturan ditulis sambil melihat halaman-halaman ini, sehingga kesesuaian ini terlalu optimistis; angka ini hanya menjaga agar tidak terjadi kemunduran. Akurasi yang dikutip adalah angka validasi di atas.",
	"validation":                    "Validasi: kesesuaian pada situs yang tidak pernah dipakai untuk menyetel aturan",
	"validation_note":               "Situs web pemerintah nyata yang utuh, dirayapi seperti pengunjung dan diberi label oleh dua pembaca independen. Inilah akurasi yang diterbitkan egovbench.",
	"agreement_features":            "Presisi dan recall per fitur rubrik",
	"feature":                       "Fitur",
	"precision":                     "Presisi",
	"recall":                        "Recall",
	"support":                       "Contoh",
	"unverified_services":           "Tautan layanan yang tidak dapat diperiksa",
	"unverified_note":               "Perayapan tidak dapat menjangkau tautan ini (gangguan jaringan di pihak kami, firewall, atau penolakan), sehingga tautan dihitung dari kata dan alamatnya; tautan ini tidak dinyatakan mati.",
	"language_uncovered":            "Situs ini ditulis dalam bahasa (%s) yang istilahnya tidak ada di katalog: buktinya dibaca dari struktur dan alamat saja, dan tingkat keyakinannya lebih rendah.",
	"agreement_none":                "Kesesuaian dengan label rujukan belum diukur untuk laporan ini.",
	"agreement_labelled":            "Situs dengan label rujukan",
	"agreement_exact":               "Tahap sama",
	"agreement_adjacent":            "Selisih paling banyak satu tahap",
	"agreement_kappa":               "Kappa Cohen",
	"agreement_source":              "Rujukan",
	"agreement_matrix":              "Tahap rujukan (baris) terhadap tahap hasil penilaian (kolom)",
	"reference":                     "Rujukan",
	"uptime_rules":                  "Cara ketersediaan diukur",
	"uptime_rules_text":             "Setiap pemeriksaan meminta halaman beranda. Ketersediaan berbasis pemeriksaan adalah bagian pemeriksaan yang berhasil; ketersediaan berbobot waktu menganggap hasil setiap pemeriksaan berlaku sampai pemeriksaan berikutnya, sehingga perubahan selang pemeriksaan tidak mengubahnya. Pemeriksaan yang diblokir (403, 429, robots.txt) tidak dihitung di keduanya. Waktu respons adalah waktu total pemeriksaan yang berhasil; grafik harian menampilkan mediannya (p50, respons yang umum) dan persentil ke-95 (p95, ekor yang lambat), diperkirakan dari histogram waktu respons dengan ketelitian sekitar 5%. Untuk semua situs, setiap hari menampilkan median antarsitus dari p50 dan p95 masing-masing situs.",
	"frameworks_list":               "Kerangka kematangan",
	"no_data":                       "Tidak ada data",
	"chart_no_data_note":            "Belum ada data untuk grafik ini.",
	"ch_stage_dist":                 "Jumlah situs menurut tahap kematangan",
	"ch_stage_dist_alt":             "Grafik batang bertumpuk jumlah situs pada setiap tahap kematangan, keseluruhan dan per wilayah.",
	"ch_trend":                      "Skor kematangan dari waktu ke waktu",
	"ch_trend_alt":                  "Grafik garis skor kematangan setiap situs (garis abu-abu tipis) dan skor median per wilayah (garis berwarna) di setiap pengukuran; celah menandai pengukuran tanpa penilaian.",
	"ch_ranking":                    "Peringkat situs menurut skor",
	"ch_ranking_alt":                "Grafik batang horizontal peringkat situs menurut skor kematangan, warna batang menunjukkan tahap situs.",
	"ch_ranking_top":                "%d teratas dan %d terbawah dari %d situs",
	"ch_coverage":                   "Bagian situs yang memenuhi setiap indikator",
	"ch_coverage_alt":               "Grafik batang horizontal bagian situs yang dinilai yang memenuhi setiap indikator, dikelompokkan dan diwarnai per kriteria.",
	"ch_uptime":                     "Ketersediaan harian, semua situs",
	"ch_uptime_alt":                 "Grafik garis ketersediaan harian semua situs: berbasis pemeriksaan dan berbobot waktu.",
	"ch_uptime_regions":             "Ketersediaan harian per wilayah (pemeriksaan)",
	"ch_uptime_regions_alt":         "Grafik garis ketersediaan harian berbasis pemeriksaan per wilayah.",
	"ch_uptime_regions_t":           "Ketersediaan harian per wilayah (berbobot waktu)",
	"ch_uptime_regions_t_alt":       "Grafik garis ketersediaan harian berbobot waktu per wilayah.",
	"ch_latency":                    "Waktu respons harian, semua situs",
	"ch_latency_alt":                "Grafik garis waktu respons harian pemeriksaan yang berhasil: median antarsitus dari median (p50) setiap situs dan median antarsitus dari persentil ke-95 (p95) setiap situs.",
	"ch_hour_avail":                 "Ketersediaan menurut jam dan hari",
	"ch_hour_avail_alt":             "Peta panas ketersediaan (berbasis pemeriksaan, persen) menurut jam lokal (kolom) dan hari (baris); setiap sel diberi label.",
	"ch_hour_latency":               "Rata-rata waktu respons menurut jam dan hari",
	"ch_hour_latency_alt":           "Peta panas rata-rata waktu respons dalam milidetik menurut jam lokal (kolom) dan hari (baris); setiap sel diberi label.",
	"ch_transitions":                "Perpindahan tahap antara dua pengukuran terakhir",
	"ch_transitions_alt":            "Kisi jumlah situs menurut tahap pada pengukuran sebelumnya (baris) dan pengukuran terakhir (kolom); sel di luar diagonal adalah situs yang berpindah.",
	"ch_site_trend":                 "Skor kematangan dari waktu ke waktu",
	"ch_site_uptime":                "Ketersediaan harian",
	"ch_site_latency":               "Waktu respons harian",
	"ch_site_history":               "Skor, ketersediaan dan waktu respons dari waktu ke waktu",
	"ch_site_history_alt":           "Tiga grafik pada satu sumbu waktu: skor kematangan situs ini di setiap pengukuran (celah menandai pengukuran saat situs tidak dapat dinilai); ketersediaannya per minggu penuh (Senin sampai Minggu, UTC), berbasis pemeriksaan dan berbobot waktu; dan waktu respons mingguannya, p50 dan p95 hari median dari pemeriksaan yang berhasil.",
	"ax_date":                       "Tanggal",
	"ax_score":                      "Skor (0–100)",
	"ax_sites":                      "Jumlah situs",
	"ax_share":                      "Situs yang memenuhi indikator (%)",
	"ax_uptime":                     "Ketersediaan (%)",
	"ax_latency":                    "Waktu respons (md)",
	"ax_hour":                       "Jam",
	"ax_weekday":                    "Hari",
	"ax_prev_stage":                 "Tahap pada pengukuran sebelumnya",
	"ax_last_stage":                 "Tahap pada pengukuran terakhir",
	"ax_region":                     "Wilayah",
	"s_checks":                      "berbasis pemeriksaan",
	"s_time":                        "berbobot waktu",
	"s_p50":                         "p50",
	"s_p50_median":                  "median p50 situs",
	"s_p95":                         "p95",
	"s_p95_median":                  "median p95 situs",
	"s_median":                      "median",
	"moved_up":                      "naik",
	"moved_down":                    "turun",
	"wd_0":                          "Min",
	"wd_1":                          "Sen",
	"wd_2":                          "Sel",
	"wd_3":                          "Rab",
	"wd_4":                          "Kam",
	"wd_5":                          "Jum",
	"wd_6":                          "Sab",
	"truncated":                     "(dipersingkat)",
	"yes":                           "ya",
	"no":                            "tidak",
	"oc_ok":                         "aktif",
	"oc_http_error":                 "galat HTTP",
	"oc_maintenance":                "pemeliharaan",
	"oc_blocked":                    "diblokir",
	"oc_timeout":                    "waktu habis",
	"oc_dns_error":                  "galat DNS",
	"oc_connection_refused":         "koneksi ditolak",
	"oc_tls_error":                  "galat sertifikat TLS",
	"oc_redirect_loop":              "pengalihan berulang",
	"oc_too_large":                  "halaman terlalu besar",
	"oc_invalid_content":            "bukan halaman web",
	"oc_private_address":            "alamat privat ditolak",
	"oc_error":                      "galat lain",
	"dead_maintenance":              "halaman pemeliharaan",
	"dead_coming_soon":              "halaman pemeliharaan atau segera hadir",
	"summary":                       "Ringkasan eksekutif",
	"sum_at_stage":                  "%d pada tahap %s",
	"sum_stages":                    "Dari %s, %d dapat dinilai: %s.",
	"sum_not_assessed":              "%d tidak dapat dinilai.",
	"sum_no_previous":               "Belum ada pengukuran sebelumnya untuk dibandingkan.",
	"sum_since_previous":            "Sejak pengukuran sebelumnya (%s)",
	"sum_since_date":                "Sejak %s",
	"sum_year_ago":                  "Sejak setahun lalu (%s)",
	"sum_first_run":                 "Sejak pengukuran pertama (%s)",
	"sum_no_moves":                  "tidak ada situs yang berpindah tahap (%d dibandingkan)",
	"sum_moves":                     "%s naik tahap dan %d turun, dari %d yang dibandingkan",
	"sum_gained_lost":               "%d situs bertambah dan %d kehilangan sedikitnya satu indikator",
	"sum_median":                    "skor median berubah dari %s menjadi %s",
	"sum_missing":                   "Layanan yang paling sering belum tersedia:",
	"sum_missing_item":              "%s (belum ada di %d dari %s)",
	"sum_all_up":                    "Tidak ada situs yang mati, dan setiap situs tersedia sedikitnya %s dari waktu selama 30 hari.",
	"sum_down":                      "Tidak dapat diakses pada pemeriksaan terakhir (%d):",
	"sum_degraded":                  "Tersedia kurang dari %[2]s dari waktu selama 30 hari (%[1]d):",
	"sum_more":                      "dan %d lainnya",
	"and":                           "dan",
	"as_of_run":                     "Data per %s (pengukuran nomor %d)",
	"as_of_none":                    "Belum ada situs yang dinilai",
	"settings_run":                  "Pengaturan perayapan pengukuran nomor %d",
	"settings_none":                 "Pengaturan perayapan: tidak tercatat",
	"set_max_pages":                 "halaman per situs paling banyak",
	"set_max_page_bytes":            "bita per halaman paling banyak",
	"set_render":                    "perenderan skrip",
	"set_catalogue":                 "katalog indikator",
	"settings_changed":              "Perubahan dengan pengaturan perayapan yang berbeda",
	"settings_changed_note":         "Pengaturan perayapan kami (atau katalog indikator) berbeda antara dua putaran yang dibandingkan, sehingga perbedaan ini mungkin berasal dari kami, bukan dari situs; perbedaan ini tidak dihitung sebagai kenaikan atau penurunan situs di atas.",
	"settings_what":                 "Yang kami ubah",
	"set_max_depth":                 "kedalaman tautan",
	"set_delay":                     "jeda antarpermintaan ke satu host",
	"set_per_host":                  "permintaan serentak per host",
	"set_request_timeout":           "batas waktu per permintaan",
	"set_site_timeout":              "batas waktu per situs",
	"set_user_agent":                "user agent",
	"n_site":                        "%d situs",
	"n_site_one":                    "%d situs",
	"title_changes_since":           "Perubahan sejak %s",
	"baseline_run":                  "pengukuran nomor %d",
	"ch_transitions_since":          "Perpindahan tahap sejak %s",
	"ax_base_stage":                 "Tahap pada titik pembanding",
	"data_csv":                      "data (CSV)",
	"no_probes":                     "tanpa pemeriksaan",
	"unit_ms":                       "md",
	"ch_top_regions":                "%d wilayah dengan ketersediaan terendah dari %d; semuanya ada di ringkasan wilayah",
	"ch_top_regions_sites":          "median %d wilayah terbesar dari %d; semuanya ada di ringkasan wilayah",
	"uptime_weeks_checks":           "Ketersediaan, 4 minggu penuh terakhir (pemeriksaan)",
	"uptime_weeks_time":             "Ketersediaan, 4 minggu penuh terakhir (berbobot waktu)",
	"steady_score":                  "Skor tetap %s pada %d penilaian sejak %s",
	"steady_uptime":                 "tersedia pada setiap pemeriksaan selama %d minggu penuh",
	"steady_latency":                "waktu respons tipikal (p50) %s ms",
	"ranking_pages":                 "Halaman peringkat",
}
