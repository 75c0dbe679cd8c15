package egovbench

// Target is one government website to benchmark, as listed in a targets file.
type Target struct {
	// ID is the stable key of the target chosen by the analyst (the targets
	// file's id column), or derived from the URL's host when absent.
	ID string `json:"id"`
	// Name is the institution's name, e.g. "Pemerintah Kota Makassar".
	Name string `json:"name"`
	// URL is the homepage the crawl starts from.
	URL string `json:"url"`
	// Level is the tier of government: provinsi, kota, kabupaten, national,
	// agency, municipality... Free text, lower case by convention.
	Level string `json:"level,omitempty"`
	// Region groups targets for rankings and medians (e.g. "Sulawesi Selatan").
	Region string `json:"region,omitempty"`
	// Parent is the ID of the target one tier up (a kota's provinsi), if any.
	Parent string `json:"parent,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code, e.g. "ID".
	Country string `json:"country,omitempty"`
	// Lang is the main BCP 47 language of the site, e.g. "id".
	Lang string `json:"lang,omitempty"`
}
