package summarize

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// Extractive model name and prompt version recorded on its summaries.
const (
	ExtractiveModel         = "extractive"
	ExtractivePromptVersion = "ext-1"
)

// DefaultExtractiveMaxChars bounds an extractive summary (it is shown under a post).
const DefaultExtractiveMaxChars = 350

// Extractive picks the one to three sentences of an abstract that state the contribution
// ("we propose X", "our method", "we show", results with numbers), preferring sentences
// that name the method the paper introduces. It uses no network, is deterministic and
// takes microseconds, so it runs inline before a post and is the fallback for a model.
type Extractive struct {
	// MaxChars bounds the summary in characters (runes); 0 means DefaultExtractiveMaxChars.
	MaxChars int
	// Now stamps CreatedAt; nil means time.Now.
	Now func() time.Time

	// noTitle hides the title from name detection (tests measure the abstract alone).
	noTitle bool
}

var _ paperboy.Summarizer = (*Extractive)(nil)

// Key returns the model and prompt version the summaries are cached under.
func (e *Extractive) Key() (model, promptVersion string) {
	return ExtractiveModel, ExtractivePromptVersion
}

// Summarize returns the extractive summary of p. Errors: EINVALID when p has no abstract.
func (e *Extractive) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	if p == nil {
		return paperboy.Summary{}, paperboy.Errorf(paperboy.EINVALID, "no paper to summarize")
	}
	title := p.Title
	if e.noTitle {
		title = ""
	}
	text := extract(title, p.Abstract, e.maxChars())
	if text == "" {
		return paperboy.Summary{}, paperboy.Errorf(paperboy.EINVALID, "paper %s has no abstract to summarize", p.ID)
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	return paperboy.Summary{
		PaperID:       p.ID,
		Model:         ExtractiveModel,
		PromptVersion: ExtractivePromptVersion,
		Text:          text,
		CreatedAt:     now(),
	}, nil
}

func (e *Extractive) maxChars() int {
	if e.MaxChars > 0 {
		return e.MaxChars
	}
	return DefaultExtractiveMaxChars
}

// Cue phrases, matched on lower-cased sentences.
var (
	// contributionCues: "we <verb>" is matched by weVerbs, the rest as substrings.
	weVerbs = []string{
		"propose", "introduce", "present", "develop", "design", "build", "release",
		"construct", "contribute", "curate", "create", "devise", "formulate", "offer",
		"put forward", "describe", "term", "call", "dub", "name",
	}
	contributionCues = []string{
		"this paper proposes", "this paper introduces", "this paper presents",
		"this work proposes", "this work introduces", "this work presents",
		"this paper describes", "this study proposes", "this study introduces",
		"is proposed", "are proposed", "is introduced",
	}
	methodCues = []string{
		"our method", "our approach", "our framework", "our model", "our system",
		"our algorithm", "our technique", "our dataset", "our benchmark", "our key",
		"the proposed", "our proposed", "the key idea", "our main", "novel",
	}
	resultCues = []string{
		"we show", "we demonstrate", "we find", "we observe", "experiments show",
		"results show", "results demonstrate", "outperform", "achiev", "improv",
		"state-of-the-art", "state of the art", "surpass", "speedup", "speed-up",
		"faster", "reduc", "gains", "matches", "competitive",
	}
	backgroundCues = []string{
		"recent", "however", "despite", "remains", "challenge", "has been", "have been",
		"widely", "limited", "struggle", "suffer", "existing", "typically", "often",
	}
	// nameIntroducers precede a method name: "a framework called X".
	nameIntroducers = []string{"called", "dubbed", "named", "termed", "coined", "namely"}
	// leadIns are cut from the start of a chosen sentence.
	leadIns = []string{
		"in this paper, ", "in this work, ", "in this study, ", "in this article, ",
		"in this paper ", "in this work ", "here, ", "here ", "to this end, ",
		"to address this, ", "to address these issues, ", "to address these challenges, ",
		"to address this issue, ", "to address this challenge, ", "to address these limitations, ",
		"to address this limitation, ", "to address this gap, ", "to fill this gap, ",
		"to tackle this, ", "to overcome these limitations, ", "to overcome this, ",
		"to solve this problem, ", "motivated by this, ", "building on this, ",
		"in response, ", "as a remedy, ", "therefore, ", "thus, ", "consequently, ",
		"in contrast, ", "instead, ", "finally, ", "moreover, ", "furthermore, ",
		"additionally, ", "in addition, ", "specifically, ",
	}
	// commonAcronyms are capitalised words that do not name a paper's own method.
	commonAcronyms = map[string]bool{
		"LLM": true, "LLMs": true, "VLM": true, "VLMs": true, "MLLM": true, "MLLMs": true,
		"LM": true, "LMs": true, "NLP": true, "AI": true, "RL": true, "SOTA": true, "GPU": true,
		"GPUs": true, "CPU": true, "CNN": true, "CNNs": true, "RNN": true, "API": true,
		"ML": true, "DL": true, "NLI": true, "QA": true, "VQA": true, "CV": true, "GAN": true,
		"GANs": true, "MoE": true, "LoRA": true, "GPT": true, "BERT": true, "ViT": true,
		"RAG": true, "COVID": true, "US": true, "UK": true, "EU": true, "PDE": true,
		"PDEs": true, "ODE": true, "3D": true, "2D": true, "1D": true, "4D": true,
		"MARL": true, "SFT": true, "RLHF": true, "DPO": true, "PPO": true, "CoT": true,
		"ImageNet": true, "COCO": true, "GitHub": true, "OpenAI": true, "GPT-4": true,
		"GPT-4o": true, "GPT-3": true, "GPT-3.5": true, "ChatGPT": true, "LLaMA": true,
		"NL": true, "KV": true, "TTS": true, "ASR": true, "OCR": true, "IoU": true,
	}
)

type sentence struct {
	text    string // original text
	lower   string
	score   float64
	contrib bool // states the contribution
	result  bool // states a result
	named   bool // contains a method name
	pos     int
}

// extract builds the summary text, or "" when abstract has no sentence.
func extract(title, abstract string, maxChars int) string {
	abstract = paperboy.CollapseSpace(abstract)
	sents := splitSentences(abstract)
	if len(sents) == 0 {
		return ""
	}
	names := methodNames(title, abstract)
	titleWords := contentWords(strings.ToLower(title))

	ss := make([]sentence, len(sents))
	for i, t := range sents {
		s := sentence{text: t, lower: strings.ToLower(t), pos: i}
		scoreSentence(&s, names, titleWords, len(sents))
		ss[i] = s
	}

	// The best contribution sentence first, then the best result sentence, then
	// anything else worth its room, up to three sentences within maxChars.
	var chosen []int
	used := 0
	tryAdd := func(i int) bool {
		t := trimLeadIn(ss[i].text)
		n := utf8.RuneCountInString(t)
		if len(chosen) > 0 {
			n++ // joining space
		}
		if used+n > maxChars {
			return false
		}
		chosen = append(chosen, i)
		used += n
		return true
	}
	best := 0
	for i := range ss {
		if ss[i].score > ss[best].score {
			best = i
		}
	}
	if !tryAdd(best) {
		// The best sentence alone is too long: shorten it at a clause or word boundary.
		return shorten(trimLeadIn(ss[best].text), maxChars)
	}
	order := rankOrder(ss)
	wantResult := !ss[best].result
	if wantResult {
		for _, i := range order {
			if i != best && ss[i].result && ss[i].score >= 1.5 {
				tryAdd(i)
				break
			}
		}
	}
	for _, i := range order {
		if len(chosen) >= 3 {
			break
		}
		if slices.Contains(chosen, i) || ss[i].score < 2.5 {
			continue
		}
		tryAdd(i)
	}
	slices.Sort(chosen)
	parts := make([]string, len(chosen))
	for k, i := range chosen {
		parts[k] = trimLeadIn(ss[i].text)
	}
	return strings.Join(parts, " ")
}

func scoreSentence(s *sentence, names []string, titleWords []string, n int) {
	l := s.lower
	if hasWeVerb(l) || hasAny(l, contributionCues) {
		s.score += 3
		s.contrib = true
	}
	if hasAny(l, methodCues) {
		s.score += 1.5
		s.contrib = true
	}
	if hasAny(l, resultCues) {
		s.score += 1.5
		s.result = true
	}
	if hasNumberResult(s.text) {
		s.score += 1
		s.result = true
	}
	for _, name := range names {
		if containsWord(s.text, name) {
			s.score += 4
			s.named = true
			break
		}
	}
	if len(titleWords) > 0 {
		hit := 0
		for _, w := range titleWords {
			if strings.Contains(l, w) {
				hit++
			}
		}
		s.score += 2 * float64(hit) / float64(len(titleWords))
	}
	if !s.contrib && !s.named && hasAny(l, backgroundCues) {
		s.score--
	}
	if s.pos == 0 && !s.contrib {
		s.score -= 0.5 // usually the problem statement
	}
	if s.pos == n-1 && !s.contrib && !s.result {
		s.score -= 0.5 // usually an outlook or a code link
	}
	if strings.Contains(l, "http") || strings.Contains(l, "github") || strings.Contains(l, "available at") {
		s.score -= 2
	}
	switch r := utf8.RuneCountInString(s.text); {
	case r < 30:
		s.score -= 2
	case r > 400:
		s.score--
	}
}

// methodNames returns the names the paper gives its method: the title's prefix before
// ':' when the abstract uses it, and names introduced in the abstract ("X, a framework
// ...", "called X", "(X)" after a contribution cue).
func methodNames(title, abstract string) []string {
	var names []string
	add := func(n string) {
		n = strings.Trim(n, " \"'“”‘’()[]{},.;:")
		if n == "" || len(n) > 40 || commonAcronyms[n] {
			return
		}
		for _, have := range names {
			if have == n {
				return
			}
		}
		names = append(names, n)
	}
	if pre, _, ok := strings.Cut(title, ":"); ok {
		pre = strings.TrimSpace(pre)
		if pre != "" && len(strings.Fields(pre)) <= 3 && strings.Contains(abstract, pre) {
			add(pre)
		}
	}
	for _, w := range strings.Fields(title) {
		w = strings.Trim(w, "\"'“”‘’()[]{},.;:!?")
		if looksLikeName(w) && containsWord(abstract, w) {
			add(w)
		}
	}
	words := strings.Fields(abstract)
	for i, w := range words {
		lw := strings.ToLower(strings.Trim(w, ",.;:\"'“”"))
		// "called X", "dubbed X"
		if i+1 < len(words) && slices.Contains(nameIntroducers, lw) {
			next := strings.Trim(words[i+1], "\"'“”‘’()[]{},.;:")
			if looksLikeName(next) || strings.ContainsAny(words[i+1], "\"“'") {
				add(next)
			}
		}
		// "X, a/an/the ..." where X looks like a name
		if strings.HasSuffix(w, ",") && i+1 < len(words) {
			nx := strings.ToLower(words[i+1])
			if (nx == "a" || nx == "an" || nx == "the") && looksLikeName(strings.TrimSuffix(w, ",")) {
				add(w)
			}
		}
		// "(X)" acronyms defined in a contribution sentence
		if strings.HasPrefix(w, "(") && i > 0 {
			inner := strings.Trim(w, "()[],.;:")
			if looksLikeName(inner) && nearContribution(words, i) {
				add(inner)
			}
		}
		// "we propose X" / "we introduce X"
		if (lw == "propose" || lw == "introduce" || lw == "present") && i > 0 && i+1 < len(words) {
			next := strings.Trim(words[i+1], "\"'“”‘’()[]{},.;:")
			if looksLikeName(next) {
				add(next)
			}
		}
	}
	return names
}

// nearContribution reports whether one of the few words before words[i] is a
// contribution verb or "our".
func nearContribution(words []string, i int) bool {
	for j := max(0, i-12); j < i; j++ {
		switch strings.ToLower(strings.Trim(words[j], ",.;:")) {
		case "propose", "introduce", "present", "our", "develop", "called", "named", "dubbed", "term":
			return true
		}
	}
	return false
}

// looksLikeName reports whether w looks like a coined name: "OptMATH", "iComMa",
// "DoReFa-Net", "GPT4Rec", "SinFusion" (a capital after the first letter, or letters
// mixed with digits), not an ordinary capitalised word or a common acronym.
func looksLikeName(w string) bool {
	if len(w) < 2 || len(w) > 40 || commonAcronyms[w] {
		return false
	}
	upperInside, letters, digits := false, 0, 0
	for i, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
			if i > 0 && unicode.IsUpper(r) {
				upperInside = true
			}
		case unicode.IsDigit(r):
			digits++
		case r == '-' || r == '.' || r == '_' || r == '+' || r == '²':
		default:
			return false
		}
	}
	if letters == 0 {
		return false
	}
	if strings.HasSuffix(w, "s") && commonAcronyms[w[:len(w)-1]] {
		return false
	}
	return upperInside || (digits > 0 && unicode.IsUpper([]rune(w)[0]))
}

// splitSentences splits text at '.', '!' or '?' followed by a space and an upper-case
// letter, digit, quote or bracket, except after abbreviations (e.g., i.e., et al., Fig.).
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == '"' || text[j] == ')' || text[j] == '\'' || text[j] == ']') {
			j++
		}
		if j < len(text) && text[j] != ' ' {
			continue
		}
		k := j
		for k < len(text) && text[k] == ' ' {
			k++
		}
		if k < len(text) {
			r, _ := utf8.DecodeRuneInString(text[k:])
			if !(unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"'“(‘[", r)) {
				continue
			}
		}
		if c == '.' && isAbbrev(text[start:i]) {
			continue
		}
		if s := strings.TrimSpace(text[start:j]); s != "" {
			out = append(out, s)
		}
		start = k
		i = k - 1
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var abbrevs = map[string]bool{
	"e.g": true, "i.e": true, "al": true, "vs": true, "fig": true, "figs": true, "eq": true,
	"eqs": true, "cf": true, "approx": true, "resp": true, "sec": true, "tab": true,
	"no": true, "dr": true, "mr": true, "ms": true, "prof": true, "u.s": true, "etc": false,
	"viz": true, "ref": true, "refs": true, "incl": true, "st": true, "jr": true,
}

// isAbbrev reports whether the text before a period ends in an abbreviation ("e.g",
// "et al", "Fig", "U.S"). Single capitals are not taken for initials: abstracts name
// variables ("a model G. The training ...") far more often than people.
func isAbbrev(before string) bool {
	k := strings.LastIndexByte(before, ' ')
	w := strings.TrimLeft(before[k+1:], "(\"'[")
	if w == "" {
		return false
	}
	if abbrevs[strings.ToLower(w)] {
		return true
	}
	if !strings.Contains(w, ".") || len(w) > 6 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] != '.' && !isLetter(w[i]) {
			return false
		}
	}
	return true // "e.g", "U.S", "i.i.d"
}

// trimLeadIn removes a connective lead-in ("In this paper, ", "To address this, ") and
// upper-cases the new first letter.
func trimLeadIn(s string) string {
	l := strings.ToLower(s)
	// "To close this gap, we introduce X" -> "We introduce X"
	if i := strings.Index(l, ", we "); i > 0 && i < 160 && hasPrefixAny(l[i+5:], contributionVerbs) {
		return "W" + s[i+3:]
	}
	for _, p := range leadIns {
		if strings.HasPrefix(l, p) && len(s) > len(p)+20 {
			rest := s[len(p):]
			r, size := utf8.DecodeRuneInString(rest)
			return string(unicode.ToUpper(r)) + rest[size:]
		}
	}
	return s
}

// shorten cuts s to at most maxChars runes at a clause boundary if one is past the
// middle, else at the last word boundary, ending with "…"; it never cuts inside a word.
func shorten(s string, maxChars int) string {
	if utf8.RuneCountInString(s) <= maxChars {
		return s
	}
	// byte offset of the maxChars-1'th rune (room for the ellipsis)
	limit := len(s)
	n := 0
	for i := range s {
		if n == maxChars-1 {
			limit = i
			break
		}
		n++
	}
	head := s[:limit]
	for _, sep := range []string{"; ", ", which ", ", where ", ", and ", ", while ", " - ", ", "} {
		if i := strings.LastIndex(head, sep); i > limit/2 {
			return strings.TrimRight(head[:i], " ,;:-") + "…"
		}
	}
	if i := strings.LastIndexByte(head, ' '); i > 0 {
		head = head[:i]
	}
	return strings.TrimRight(head, " ,;:-(") + "…"
}

// hasNumberResult reports a number with %, x or × ("3.2%", "2.5x", "10×"), or "points".
func hasNumberResult(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		j := i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == ',') {
			j++
		}
		rest := s[j:]
		rest = strings.TrimPrefix(rest, " ")
		if strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, "×") ||
			(strings.HasPrefix(rest, "x") && (len(rest) == 1 || !isLetter(rest[1]))) ||
			strings.HasPrefix(rest, "points") || strings.HasPrefix(rest, "pp") {
			return true
		}
		i = j
	}
	return false
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// containsWord reports whether name occurs in s not glued to other letters or digits.
func containsWord(s, name string) bool {
	if name == "" {
		return false
	}
	for off := 0; ; {
		i := strings.Index(s[off:], name)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(name)
		okL := i == 0 || !isWordByte(s[i-1])
		okR := end >= len(s) || !isWordByte(s[end]) || (s[end] == 's' && (end+1 >= len(s) || !isWordByte(s[end+1])))
		if okL && okR {
			return true
		}
		off = i + 1
	}
}

func isWordByte(b byte) bool { return isLetter(b) || b >= '0' && b <= '9' || b >= 0x80 }

var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "for": true, "and": true, "in": true,
	"on": true, "to": true, "with": true, "via": true, "by": true, "from": true, "is": true,
	"are": true, "at": true, "as": true, "towards": true, "toward": true, "through": true,
	"using": true, "we": true, "our": true, "its": true, "into": true, "large": true,
	"language": true, "models": true, "model": true, "learning": true, "based": true,
}

// contentWords returns the distinct lower-case words of s (4+ letters, not stop words).
func contentWords(s string) []string {
	var out []string
	for _, w := range paperboy.Words(s) {
		if len(w) < 4 || stopWords[w] || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

var contributionVerbs = []string{"propose", "introduce", "present", "develop", "design", "build", "release", "construct", "contribute", "devise"}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasWeVerb reports "we <contribution verb>" in a lower-cased sentence.
func hasWeVerb(l string) bool {
	for off := 0; ; {
		i := strings.Index(l[off:], "we ")
		if i < 0 {
			return false
		}
		i += off
		if (i == 0 || l[i-1] == ' ') && hasPrefixAny(l[i+3:], weVerbs) {
			return true
		}
		off = i + 3
	}
}

func hasAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// rankOrder returns sentence indexes by descending score, earlier first on ties.
func rankOrder(ss []sentence) []int {
	idx := make([]int, len(ss))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && ss[idx[j]].score > ss[idx[j-1]].score; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}
