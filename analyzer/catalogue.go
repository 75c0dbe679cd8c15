package analyzer

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
	"gopkg.in/yaml.v3"

	"github.com/egovbench/egovbench"
)

//go:embed catalogue.yaml
var defaultYAML []byte

// Catalogue is a compiled indicator catalogue with the frameworks defined
// over it. It is immutable once built and safe for concurrent use; build it
// once and reuse it for every assessment.
type Catalogue struct {
	version     string
	inds        []indicator
	byID        map[string]int
	weights     map[egovbench.Criterion]float64
	frameworks  []framework
	kinds       [numKinds]*phraseIndex
	domains     map[string][]int // host or parent domain -> indicators
	exactHosts  map[string][]int // host (without www.) -> indicators, for portals that are also suffixes (=gov.uk)
	govLabels   map[string]bool
	govHosts    map[string]bool
	deadPhrases *phraseIndex
	// staffWords mark a page for staff (admin, webmail, operator...): its
	// logins and forms are not citizens' services.
	staffWords *phraseIndex
	// institutionWords name a government body (dinas, kecamatan, council...).
	institutionWords *phraseIndex
	// qualifiers turn a bare service noun into a service ("online", "daring").
	qualifiers map[string]bool
	// newsPaths are path words of article pages (berita, news, artikel...).
	newsPaths map[string]bool
	// formHosts serve embedded forms (Google Forms, Microsoft Forms...).
	formHosts map[string]bool
	// purposes tell what an embedded form is for from the words around it.
	purposes *phraseIndex
	// crossGov is the indicator credited for a link to another level of government.
	crossGov int
	levels   []levelSuffixes
	// languages are the languages whose terms cover the rubric; markers
	// recognise a page's language from its words.
	covered map[string]bool
	markers map[string]map[string]bool
	hasText bool
	// hasSelectors makes extraction build a DOM for the CSS selectors.
	hasSelectors bool
	// hasFreshness makes page scans read the dates in the text.
	hasFreshness bool
	// embedded marks the catalogue shipped with the program, the only one
	// whose agreement with the reference labels has been measured.
	embedded bool
}

// indicator is one compiled catalogue entry.
type indicator struct {
	egovbench.Indicator
	feature      string
	basic        bool
	weak         bool
	externalOnly bool
	realLink     bool
	notDocuments bool
	// service marks a transaction indicator: its evidence must be a working
	// citizen service, never news, an address, a document or a staff page.
	service bool
	// floor lets the indicator lift a reachable site from none to presence
	// although it maps to no rubric feature (the site names its institution).
	floor        bool
	minHits      int
	detector     string
	selectors    []cascadia.Selector
	selectorText []string
}

// kind is where on a page a keyword is looked for.
type kind int

const (
	kindLink    kind = iota // anchor text, title, aria-label, image alt
	kindHref                // the link's URL
	kindHeading             // h1-h6 and the page title
	kindLabel               // form labels, placeholders, buttons
	kindText                // all visible text
	numKinds
)

// Spec types mirror the YAML file; they are exported only through
// LoadCatalogue's file format, documented in docs/methodology.md.
type catalogueFile struct {
	Version     string              `yaml:"version"`
	Extends     string              `yaml:"extends"`
	Weights     map[string]float64  `yaml:"weights"`
	GovLabels   []string            `yaml:"gov_labels"`
	GovHosts    []string            `yaml:"gov_hosts"`
	DeadPhrases map[string][]string `yaml:"dead_phrases"`
	// StaffWords, InstitutionWords, ServiceQualifiers, NewsPaths, FormHosts,
	// CrossGovernment, CoveredLanguages and LanguageMarkers: see catalogue.yaml.
	StaffWords        map[string][]string `yaml:"staff_words"`
	InstitutionWords  map[string][]string `yaml:"institution_words"`
	ServiceQualifiers []string            `yaml:"service_qualifiers"`
	NewsPaths         []string            `yaml:"news_paths"`
	FormHosts         []string            `yaml:"form_hosts"`
	CrossGovernment   string              `yaml:"cross_government"`
	GovernmentLevels  []levelSuffixes     `yaml:"government_levels"`
	CoveredLanguages  []string            `yaml:"covered_languages"`
	LanguageMarkers   map[string][]string `yaml:"language_markers"`
	Frameworks        []frameworkSpec     `yaml:"frameworks"`
	Indicators        []indicatorSpec     `yaml:"indicators"`
	Remove            []string            `yaml:"remove"`
}

// levelSuffixes names a level of government and the host suffixes of its sites.
type levelSuffixes struct {
	Level    string   `yaml:"level"`
	Suffixes []string `yaml:"suffixes"`
}

type indicatorSpec struct {
	ID          string `yaml:"id"`
	Feature     string `yaml:"feature"`
	NameID      string `yaml:"name_id"`
	NameEN      string `yaml:"name_en"`
	Criterion   string `yaml:"criterion"`
	Stage       string `yaml:"stage"`
	Description string `yaml:"description"`
	// DescriptionID is the Indonesian description; reports fall back to
	// Description when a user catalogue leaves it out.
	DescriptionID string     `yaml:"description_id"`
	Basic         bool       `yaml:"basic"`
	Weak          bool       `yaml:"weak"`
	Floor         bool       `yaml:"floor"`
	Detect        detectSpec `yaml:"detect"`
}

type detectSpec struct {
	LinkText     map[string][]string `yaml:"link_text"`
	Href         []string            `yaml:"href"`
	Heading      map[string][]string `yaml:"heading"`
	Label        map[string][]string `yaml:"label"`
	Text         map[string][]string `yaml:"text"`
	Exclude      map[string][]string `yaml:"exclude"`
	Bare         map[string][]string `yaml:"bare"`
	FormPurpose  map[string][]string `yaml:"form_purpose"`
	Domains      []string            `yaml:"domains"`
	Selectors    []string            `yaml:"selectors"`
	ExternalOnly bool                `yaml:"external_only"`
	RealLink     bool                `yaml:"real_link"`
	NotDocuments bool                `yaml:"not_documents"`
	Detector     string              `yaml:"detector"`
	MinHits      int                 `yaml:"min_hits"`
}

type frameworkSpec struct {
	ID     string      `yaml:"id"`
	Name   string      `yaml:"name"`
	NameID string      `yaml:"name_id"`
	Levels []levelSpec `yaml:"levels"`
}

// levelSpec is a framework level and the rule that grants it. All the
// conditions given must hold; a framework assigns its highest level whose
// rule holds.
type levelSpec struct {
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Description   string `yaml:"description"`
	NameID        string `yaml:"name_id"`
	DescriptionID string `yaml:"description_id"`
	When          rule   `yaml:"when"`
}

type rule struct {
	MinStage string         `yaml:"min_stage"`
	MinMet   map[string]int `yaml:"min_met"` // stage name -> met indicators of that stage
	AnyOf    []string       `yaml:"any_of"`
	AllOf    []string       `yaml:"all_of"`
	MinScore float64        `yaml:"min_score"`
}

type framework struct {
	egovbench.Framework
	rules []rule
}

// DefaultCatalogue returns the embedded catalogue, freshly compiled. Callers
// parse it once and reuse it. It panics only if the embedded file is broken,
// which the package tests rule out.
func DefaultCatalogue() *Catalogue {
	c, err := parseCatalogue(defaultYAML, nil)
	if err != nil {
		panic(fmt.Sprintf("analyzer: embedded catalogue: %v", err))
	}
	c.embedded = true
	return c
}

// LoadCatalogue reads a user catalogue. A file with `extends: default` adds
// to the embedded catalogue: indicators and frameworks with a known id
// replace the default ones, new ones are appended, ids under `remove` are
// dropped, and weights, lists and version given override. Without extends
// the file replaces the default entirely. Errors name the offending entry.
//
// A catalogue is at most MaxCatalogueBytes and may not use YAML aliases: a
// small file that aliases a large string thousands of times would decode
// to gigabytes and hold the CPU for minutes before any check could run.
func LoadCatalogue(path string) (*Catalogue, error) {
	b, err := readCatalogue(path)
	if err != nil {
		return nil, err
	}
	if err := refuseAliases(b); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", path, err)
	}
	var head struct {
		Extends string `yaml:"extends"`
	}
	if err := yaml.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("parse catalogue %s: %v: %w", path, err, egovbench.ErrInvalid)
	}
	var base *catalogueFile
	switch head.Extends {
	case "":
	case "default":
		var f catalogueFile
		if err := decodeStrict(defaultYAML, &f); err != nil {
			return nil, fmt.Errorf("embedded catalogue: %w", err)
		}
		base = &f
	default:
		return nil, fmt.Errorf("catalogue %s: extends %q: only \"default\" is known: %w", path, head.Extends, egovbench.ErrInvalid)
	}
	c, err := parseCatalogue(b, base)
	if err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", path, err)
	}
	return c, nil
}

// MaxCatalogueBytes bounds a catalogue file: 64 times the embedded one,
// room for every language and framework anyone is likely to add.
const MaxCatalogueBytes = 4 << 20

func readCatalogue(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxCatalogueBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	if len(b) > MaxCatalogueBytes {
		return nil, fmt.Errorf("catalogue %s: larger than %d bytes: %w", path, MaxCatalogueBytes, egovbench.ErrInvalid)
	}
	return b, nil
}

// refuseAliases parses the first document as a node tree, which keeps
// aliases as references instead of expanding them, and refuses any alias
// (merge keys "<<: *x" included). Without aliases the decoded catalogue is
// no bigger than the file, so the bound on the file bounds the work.
func refuseAliases(b []byte) error {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty: the strict decode says what is missing
		}
		return fmt.Errorf("parse: %v: %w", err, egovbench.ErrInvalid)
	}
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n.Kind == yaml.AliasNode {
			return fmt.Errorf("line %d: YAML alias *%s: aliases are not allowed in a catalogue (write the value out): %w",
				n.Line, n.Value, egovbench.ErrInvalid)
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(&doc)
}

func decodeStrict(b []byte, f *catalogueFile) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		return fmt.Errorf("parse: %v: %w", err, egovbench.ErrInvalid)
	}
	return nil
}

func parseCatalogue(b []byte, base *catalogueFile) (*Catalogue, error) {
	var f catalogueFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, err
	}
	if err := checkDuplicates(&f); err != nil {
		return nil, err
	}
	if base != nil {
		f = merge(*base, f)
	}
	return compile(&f)
}

func checkDuplicates(f *catalogueFile) error {
	seen := map[string]bool{}
	for _, s := range f.Indicators {
		if seen[s.ID] {
			return fmt.Errorf("indicator %q: duplicate id: %w", s.ID, egovbench.ErrInvalid)
		}
		seen[s.ID] = true
	}
	fw := map[string]bool{}
	for _, s := range f.Frameworks {
		if fw[s.ID] {
			return fmt.Errorf("framework %q: duplicate id: %w", s.ID, egovbench.ErrInvalid)
		}
		fw[s.ID] = true
	}
	return nil
}

// merge lays the user file over the default one.
func merge(base, over catalogueFile) catalogueFile {
	out := base
	out.Extends = ""
	if over.Version != "" {
		out.Version = over.Version
	}
	if len(over.Weights) > 0 {
		out.Weights = map[string]float64{}
		for k, v := range base.Weights {
			out.Weights[k] = v
		}
		for k, v := range over.Weights {
			out.Weights[k] = v
		}
	}
	out.GovLabels = append(append([]string(nil), base.GovLabels...), over.GovLabels...)
	out.GovHosts = append(append([]string(nil), base.GovHosts...), over.GovHosts...)
	if len(over.DeadPhrases) > 0 {
		out.DeadPhrases = map[string][]string{}
		for k, v := range base.DeadPhrases {
			out.DeadPhrases[k] = v
		}
		for k, v := range over.DeadPhrases {
			out.DeadPhrases[k] = append(append([]string(nil), out.DeadPhrases[k]...), v...)
		}
	}
	out.StaffWords = mergeLists(base.StaffWords, over.StaffWords)
	out.InstitutionWords = mergeLists(base.InstitutionWords, over.InstitutionWords)
	out.LanguageMarkers = mergeLists(base.LanguageMarkers, over.LanguageMarkers)
	out.ServiceQualifiers = append(append([]string(nil), base.ServiceQualifiers...), over.ServiceQualifiers...)
	out.NewsPaths = append(append([]string(nil), base.NewsPaths...), over.NewsPaths...)
	out.FormHosts = append(append([]string(nil), base.FormHosts...), over.FormHosts...)
	out.CoveredLanguages = append(append([]string(nil), base.CoveredLanguages...), over.CoveredLanguages...)
	if over.CrossGovernment != "" {
		out.CrossGovernment = over.CrossGovernment
	}
	if len(over.GovernmentLevels) > 0 {
		out.GovernmentLevels = over.GovernmentLevels
	}
	remove := map[string]bool{}
	for _, id := range over.Remove {
		remove[id] = true
	}
	repl := map[string]indicatorSpec{}
	for _, s := range over.Indicators {
		repl[s.ID] = s
	}
	out.Indicators = nil
	for _, s := range base.Indicators {
		if remove[s.ID] {
			continue
		}
		if r, ok := repl[s.ID]; ok {
			out.Indicators = append(out.Indicators, r)
			delete(repl, s.ID)
			continue
		}
		out.Indicators = append(out.Indicators, s)
	}
	for _, s := range over.Indicators {
		if _, ok := repl[s.ID]; ok {
			out.Indicators = append(out.Indicators, s)
		}
	}
	frepl := map[string]frameworkSpec{}
	for _, s := range over.Frameworks {
		frepl[s.ID] = s
	}
	out.Frameworks = nil
	for _, s := range base.Frameworks {
		if r, ok := frepl[s.ID]; ok {
			out.Frameworks = append(out.Frameworks, r)
			delete(frepl, s.ID)
			continue
		}
		out.Frameworks = append(out.Frameworks, s)
	}
	for _, s := range over.Frameworks {
		if _, ok := frepl[s.ID]; ok {
			out.Frameworks = append(out.Frameworks, s)
		}
	}
	return out
}

// mergeLists adds the user's keywords to the default ones, language by language.
func mergeLists(base, over map[string][]string) map[string][]string {
	out := make(map[string][]string, len(base)+len(over))
	for k, v := range base {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range over {
		out[k] = append(out[k], v...)
	}
	return out
}

func validCriterion(s string) bool {
	for _, c := range egovbench.Criteria {
		if string(c) == s {
			return true
		}
	}
	return false
}

func parseStageName(s string) (egovbench.Stage, error) {
	if s == "" {
		return egovbench.StageNone, nil
	}
	return egovbench.ParseStage(s)
}

func compile(f *catalogueFile) (*Catalogue, error) {
	if strings.TrimSpace(f.Version) == "" {
		return nil, fmt.Errorf("version is required: %w", egovbench.ErrInvalid)
	}
	if len(f.Indicators) == 0 {
		return nil, fmt.Errorf("no indicators: %w", egovbench.ErrInvalid)
	}
	c := &Catalogue{
		version:    f.Version,
		byID:       map[string]int{},
		weights:    map[egovbench.Criterion]float64{},
		domains:    map[string][]int{},
		exactHosts: map[string][]int{},
		govLabels:  map[string]bool{},
		govHosts:   map[string]bool{},
	}
	for k := range c.kinds {
		c.kinds[k] = newPhraseIndex()
	}
	for k, v := range f.Weights {
		if !validCriterion(k) {
			return nil, fmt.Errorf("weights: unknown criterion %q: %w", k, egovbench.ErrInvalid)
		}
		if v < 0 {
			return nil, fmt.Errorf("weights: criterion %q: negative weight: %w", k, egovbench.ErrInvalid)
		}
		c.weights[egovbench.Criterion(k)] = v
	}
	for _, cr := range egovbench.Criteria {
		if _, ok := c.weights[cr]; !ok {
			c.weights[cr] = 1
		}
	}
	for _, l := range f.GovLabels {
		c.govLabels[strings.ToLower(l)] = true
	}
	for _, h := range f.GovHosts {
		c.govHosts[strings.ToLower(h)] = true
	}
	c.deadPhrases = newPhraseIndex()
	for _, kws := range sortedLists(f.DeadPhrases) {
		c.deadPhrases.add(fold(kws), -1, false)
	}
	c.staffWords = newPhraseIndex()
	for _, kw := range sortedLists(f.StaffWords) {
		c.staffWords.add(fold(kw), -1, false)
	}
	c.institutionWords = newPhraseIndex()
	for _, kw := range sortedLists(f.InstitutionWords) {
		c.institutionWords.add(fold(kw), -1, false)
	}
	c.qualifiers = wordSet(f.ServiceQualifiers)
	c.newsPaths = wordSet(f.NewsPaths)
	c.formHosts = wordSet(f.FormHosts)
	c.covered = wordSet(f.CoveredLanguages)
	c.markers = map[string]map[string]bool{}
	for lang, ws := range f.LanguageMarkers {
		c.markers[strings.ToLower(lang)] = wordSet(ws)
	}
	c.purposes = newPhraseIndex()
	c.crossGov = -1
	for _, l := range f.GovernmentLevels {
		if l.Level == "" || len(l.Suffixes) == 0 {
			return nil, fmt.Errorf("government_levels: a level needs a name and suffixes: %w", egovbench.ErrInvalid)
		}
		ls := levelSuffixes{Level: l.Level}
		for _, sfx := range l.Suffixes {
			ls.Suffixes = append(ls.Suffixes, strings.ToLower(strings.TrimRight(strings.TrimSpace(sfx), ".")))
		}
		c.levels = append(c.levels, ls)
	}
	for i, s := range f.Indicators {
		ind, err := c.compileIndicator(i, s)
		if err != nil {
			return nil, err
		}
		c.byID[s.ID] = i
		c.inds = append(c.inds, ind)
	}
	// One concept, one stage: an indicator's feature is a rubric feature of
	// the indicator's own stage.
	for _, ind := range c.inds {
		if ind.feature == "" {
			continue
		}
		st, ok := egovbench.FeatureStage(ind.feature)
		if !ok {
			return nil, fmt.Errorf("indicator %q: feature %q is not in the rubric: %w", ind.ID, ind.feature, egovbench.ErrInvalid)
		}
		if st != ind.Stage {
			return nil, fmt.Errorf("indicator %q: stage %s but feature %q is evidence of %s: %w", ind.ID, ind.Stage, ind.feature, st, egovbench.ErrInvalid)
		}
	}
	if f.CrossGovernment != "" {
		i, ok := c.byID[f.CrossGovernment]
		if !ok {
			return nil, fmt.Errorf("cross_government: unknown indicator %q: %w", f.CrossGovernment, egovbench.ErrInvalid)
		}
		c.crossGov = i
	}
	for _, fs := range f.Frameworks {
		fw, err := c.compileFramework(fs)
		if err != nil {
			return nil, err
		}
		c.frameworks = append(c.frameworks, fw)
	}
	return c, nil
}

// sortedLists flattens a language -> keywords map in a stable order.
func sortedLists(m map[string][]string) []string {
	langs := make([]string, 0, len(m))
	for k := range m {
		langs = append(langs, k)
	}
	sort.Strings(langs)
	var out []string
	for _, l := range langs {
		out = append(out, m[l]...)
	}
	return out
}

func (c *Catalogue) compileIndicator(i int, s indicatorSpec) (indicator, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("indicator %q: %s: %w", s.ID, fmt.Sprintf(format, a...), egovbench.ErrInvalid)
	}
	if strings.TrimSpace(s.ID) == "" {
		return indicator{}, fmt.Errorf("indicator #%d: empty id: %w", i+1, egovbench.ErrInvalid)
	}
	if !validCriterion(s.Criterion) {
		return indicator{}, bad("unknown criterion %q", s.Criterion)
	}
	st, err := parseStageName(s.Stage)
	if err != nil {
		return indicator{}, bad("unknown stage %q", s.Stage)
	}
	if s.NameEN == "" || s.NameID == "" {
		return indicator{}, bad("name_en and name_id are required")
	}
	d := s.Detect
	if d.Detector != "" && !knownDetector(d.Detector) {
		return indicator{}, bad("unknown detector %q", d.Detector)
	}
	ind := indicator{
		Indicator: egovbench.Indicator{
			ID: s.ID, NameID: s.NameID, NameEN: s.NameEN,
			Criterion: egovbench.Criterion(s.Criterion), Stage: st, Description: s.Description,
			DescriptionID: s.DescriptionID,
		},
		feature: s.Feature, basic: s.Basic, weak: s.Weak, floor: s.Floor, service: st == egovbench.StageTransaction,
		externalOnly: d.ExternalOnly, realLink: d.RealLink, notDocuments: d.NotDocuments, minHits: d.MinHits, detector: d.Detector,
	}
	if ind.minHits < 1 {
		ind.minHits = 1
	}
	n := 0
	add := func(k kind, kws []string, neg bool) error {
		for _, kw := range kws {
			if !c.kinds[k].add(fold(kw), i, neg) {
				return bad("keyword %q has no words", kw)
			}
			n++
		}
		return nil
	}
	lists := []struct {
		k   kind
		kws []string
	}{
		{kindLink, sortedLists(d.LinkText)},
		{kindHref, d.Href},
		{kindHeading, sortedLists(d.Heading)},
		{kindLabel, sortedLists(d.Label)},
		{kindText, sortedLists(d.Text)},
	}
	for _, l := range lists {
		if err := add(l.k, l.kws, false); err != nil {
			return indicator{}, err
		}
	}
	// Bare nouns ("pendaftaran", "booking") count on a link only with a
	// service cue beside them or behind them.
	for _, kw := range sortedLists(d.Bare) {
		for _, k := range []kind{kindLink, kindHref} {
			if !c.kinds[k].addBare(fold(kw), i) {
				return indicator{}, bad("keyword %q has no words", kw)
			}
		}
		n++
	}
	for _, kw := range sortedLists(d.FormPurpose) {
		if !c.purposes.add(fold(kw), i, false) {
			return indicator{}, bad("keyword %q has no words", kw)
		}
		n++
	}
	if len(d.Text) > 0 {
		c.hasText = true
	}
	positives := n
	for k := kind(0); k < numKinds; k++ {
		if err := add(k, sortedLists(d.Exclude), true); err != nil {
			return indicator{}, err
		}
	}
	for _, dom := range d.Domains {
		dom = strings.ToLower(strings.Trim(strings.TrimSpace(dom), "."))
		exact := strings.HasPrefix(dom, "=")
		dom = strings.TrimPrefix(dom, "=")
		if dom == "" {
			return indicator{}, bad("empty domain")
		}
		if exact {
			c.exactHosts[dom] = append(c.exactHosts[dom], i)
		} else {
			c.domains[dom] = append(c.domains[dom], i)
		}
		positives++
	}
	for _, sel := range d.Selectors {
		cs, err := cascadia.Compile(sel)
		if err != nil {
			return indicator{}, bad("selector %q: %v", sel, err)
		}
		ind.selectors = append(ind.selectors, cs)
		c.hasSelectors = true
		ind.selectorText = append(ind.selectorText, sel)
		positives++
	}
	if d.Detector == detFreshness {
		c.hasFreshness = true
	}
	if positives == 0 && d.Detector == "" {
		return indicator{}, bad("no detection: give keywords, domains, selectors or a detector")
	}
	return ind, nil
}

func (c *Catalogue) compileFramework(fs frameworkSpec) (framework, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("framework %q: %s: %w", fs.ID, fmt.Sprintf(format, a...), egovbench.ErrInvalid)
	}
	if fs.ID == "" || len(fs.Levels) == 0 {
		return framework{}, bad("id and levels are required")
	}
	fw := framework{Framework: egovbench.Framework{ID: fs.ID, Name: fs.Name, NameID: fs.NameID}}
	for _, l := range fs.Levels {
		if l.ID == "" {
			return framework{}, bad("level without id")
		}
		if _, err := parseStageName(l.When.MinStage); err != nil {
			return framework{}, bad("level %q: unknown stage %q", l.ID, l.When.MinStage)
		}
		for st := range l.When.MinMet {
			if _, err := parseStageName(st); err != nil {
				return framework{}, bad("level %q: unknown stage %q", l.ID, st)
			}
		}
		for _, id := range append(append([]string(nil), l.When.AnyOf...), l.When.AllOf...) {
			if _, ok := c.byID[id]; !ok {
				return framework{}, bad("level %q: unknown indicator %q", l.ID, id)
			}
		}
		fw.Levels = append(fw.Levels, egovbench.FrameworkLevel{ID: l.ID, Name: l.Name, Description: l.Description,
			NameID: l.NameID, DescriptionID: l.DescriptionID})
		fw.rules = append(fw.rules, l.When)
	}
	return fw, nil
}

func wordSet(ws []string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			m[w] = true
		}
	}
	return m
}

// Version names the catalogue; it is recorded with every assessment.
func (c *Catalogue) Version() string { return c.version }

// Indicators lists the catalogue's indicators in order, for the methodology page.
func (c *Catalogue) Indicators() []egovbench.Indicator {
	out := make([]egovbench.Indicator, len(c.inds))
	for i, ind := range c.inds {
		out[i] = ind.Indicator
	}
	return out
}

// Frameworks lists the maturity frameworks the catalogue defines, each with
// its levels lowest first and their rules in plain words.
func (c *Catalogue) Frameworks() []egovbench.Framework {
	out := make([]egovbench.Framework, len(c.frameworks))
	for i, f := range c.frameworks {
		out[i] = f.Framework
		out[i].Levels = append([]egovbench.FrameworkLevel(nil), f.Levels...)
	}
	return out
}

// Weights returns the criterion weights the score uses.
func (c *Catalogue) Weights() map[egovbench.Criterion]float64 {
	out := make(map[egovbench.Criterion]float64, len(c.weights))
	for k, v := range c.weights {
		out[k] = v
	}
	return out
}

// Feature returns the corpus feature id an indicator maps to ("" if none).
func (c *Catalogue) Feature(id string) string {
	if i, ok := c.byID[id]; ok {
		return c.inds[i].feature
	}
	return ""
}

// Features lists the rubric features the catalogue's indicators map to,
// sorted and without duplicates.
func (c *Catalogue) Features() []string {
	seen := map[string]bool{}
	var out []string
	for _, ind := range c.inds {
		if ind.feature != "" && !seen[ind.feature] {
			seen[ind.feature] = true
			out = append(out, ind.feature)
		}
	}
	sort.Strings(out)
	return out
}
