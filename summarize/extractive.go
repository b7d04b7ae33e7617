package summarize

import (
	"context"
	"math"
	"regexp"
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
	ExtractivePromptVersion = "ext-2"
)

// DefaultExtractiveMaxChars bounds an extractive summary (it is shown under a post).
const DefaultExtractiveMaxChars = 350

// Extractive picks the one to three sentences of an abstract, whole or cut at a clean
// clause boundary, that most likely state the paper's idea and then a result, keeping the
// name of the method the paper introduces. Two small sentence models (features.go,
// weights.go) fitted on human labels score the sentences and the pairs of adjacent ones.
// It uses no network, is deterministic and takes about 0.3 ms, so it runs inline before a
// post and is the fallback for a model.
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
	text        string // original text
	lower       string
	named       bool    // contains a method name
	name        string  // the first method name it contains
	pIdea       float64 // chance that it states the paper's idea
	pEither     float64 // chance that it states the idea or a result
	pPair       float64 // chance that it and the next sentence state the idea together (neither alone)
	pPairEither float64 // the same for the idea or a result
	skip        bool    // never chosen: title words only, a link, or text addressed to a model
}

// sentenceModel holds the weights of the two sentence models (features.go).
//
// The idea model is a softmax over the abstract's units, its sentences and its pairs of
// adjacent sentences (an abstract states its idea once, in 13% of them across two
// sentences): ideaPrior, the share of abstracts whose idea a unit states, is shared out
// by the units' scores. The either model is a logistic model per unit.
type sentenceModel struct {
	idea, either [nFeatures]float64
	ideaPrior    float64
}

var defaultModel = sentenceModel{idea: ideaWeights, either: eitherWeights, ideaPrior: ideaPrior}

// extract builds the summary text, or "" when abstract has no sentence.
func extract(title, abstract string, maxChars int) string {
	return extractWith(&defaultModel, title, abstract, maxChars)
}

// scoreSentences splits abstract and scores its sentences with m.
func scoreSentences(m *sentenceModel, title, abstract string) []sentence {
	sents := splitSentences(paperboy.CollapseSpace(abstract))
	if len(sents) == 0 {
		return nil
	}
	names := methodNames(title, abstract)
	titleWords := contentWords(strings.ToLower(title))
	ss := make([]sentence, len(sents))
	for i, t := range sents {
		s := sentence{text: t, lower: strings.ToLower(t)}
		for _, name := range names {
			if containsWord(t, name) {
				s.named, s.name = true, name
				break
			}
		}
		// A sentence of title words only, or one addressed to a language model
		// ("ignore previous instructions"), is not the paper's content.
		// A link to code or a project page says nothing about the paper either.
		s.skip = len(sents) > 1 && (onlyTitleWords(s.lower, titleWords) || hasAny(s.lower, injectionMarkers) || hasAny(s.lower, sentenceLinkCues))
		ss[i] = s
	}
	mk := markSentences(ss)
	xs := make([][nFeatures]float64, len(ss))
	// z holds the idea scores of the sentences, then of the pairs of adjacent sentences
	z := make([]float64, 2*len(ss)-1)
	for i := range ss {
		sentenceFeatures(&xs[i], ss, i, mk)
		z[i] = linear(&m.idea, &xs[i])
		ss[i].pEither = logistic(linear(&m.either, &xs[i]))
	}
	var x [nFeatures]float64
	for i := 0; i+1 < len(ss); i++ {
		pairFeatures(&x, &xs[i], &xs[i+1], ss, i)
		z[len(ss)+i] = linear(&m.idea, &x)
		ss[i].pPairEither = logistic(linear(&m.either, &x))
	}
	// softmax of the idea scores, times the prior
	mx := slices.Max(z)
	sum := 0.0
	for i := range z {
		z[i] = math.Exp(z[i] - mx)
		sum += z[i]
	}
	for i := range ss {
		ss[i].pIdea = m.ideaPrior * z[i] / sum
		if i+1 < len(ss) {
			ss[i].pPair = m.ideaPrior * z[len(ss)+i] / sum
		}
	}
	return ss
}

// onlyTitleWords reports whether a sentence says nothing but words of the title: the
// abstract opening with the title again would make a summary of title words only.
func onlyTitleWords(lower string, titleWords []string) bool {
	if len(titleWords) == 0 {
		return false
	}
	ws := contentWords(lower)
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if !slices.Contains(titleWords, w) {
			return false
		}
	}
	return true
}

// maxCandidates bounds the sentences a summary is chosen from (the most likely ones), and
// maxChosen the sentences in a summary: the search tries every set, so it stays small.
const (
	maxCandidates = 8
	maxChosen     = 3
	// cutCost prefers whole sentences to cut ones at equal chances.
	cutCost = 0.02
	// danglingCost keeps out a sentence whose pronoun refers to a sentence left out,
	// unless it is far more likely than the others to state the idea.
	danglingCost = 3
	// namedBonus makes a summary keep the name the paper gives its method: a reader
	// remembers and searches for the name. It outweighs most differences in chances:
	// it costs about 0.01 of idea coverage on the labelled abstracts and keeps the name
	// in 93% of the seed papers that introduce one (87% with a bonus of 1).
	namedBonus = 5
	// minChance keeps sentences that state neither idea nor result out of a summary even
	// when they would fit (a sentence naming the method is always a candidate).
	minChance = 0.12
)

// ideaWeight weighs the chance of stating the idea against the chance of stating the
// idea or a result: the summary should say what the paper does first. On the labelled
// abstracts (cross-validated), raising it from 1 to 5 takes idea coverage from 0.68 to
// 0.71 and idea or result from 0.76 to 0.75; above 5 neither moves.
const ideaWeight = 5

// danglingReference reports whether x opens by referring back (refersBack: "It", "Its",
// "This approach") to a sentence not in the summary: "Its training cost ..." would refer
// to nothing.
func danglingReference(x *variant, set []*variant) bool {
	if !refersBack(x.text) {
		return false
	}
	for _, y := range set {
		if y.sent == x.sent-1 {
			return false
		}
	}
	return true
}

var anaphors = []string{"It ", "Its ", "They ", "Their ", "Them ", "These ", "Such ", "He ", "She "}

// refersBack reports whether a sentence opens by referring to the one before it: a
// pronoun (anaphors), or "This" before anything but the paper itself ("This approach
// hasn't been adapted ...", not "This paper proposes ..."). "It is shown that ..."
// refers to nothing.
func refersBack(text string) bool {
	if rest, ok := strings.CutPrefix(text, "This "); ok {
		next, _, _ := strings.Cut(rest, " ")
		return !selfNouns[strings.Trim(next, ",;:")]
	}
	return hasPrefixAny(text, anaphors) && !strings.HasPrefix(text, "It is ")
}

// selfNouns are what "This" names when a sentence speaks of the paper itself.
var selfNouns = map[string]bool{
	"paper": true, "work": true, "study": true, "article": true, "report": true,
	"thesis": true, "survey": true, "letter": true, "manuscript": true, "tutorial": true,
	"chapter": true, "review": true, "note": true, "position": true, "technical": true,
}

// variant is a sentence as it may appear in a summary: whole (trimmed of its lead-in) or
// cut at a clause boundary.
type variant struct {
	sent   int
	text   string
	runes  int
	keep   float64 // the share of the sentence's words kept
	cut    bool
	factor float64 // the share of the sentence's chances it keeps
}

// keepFactor is the share of a sentence's chance that a cut keeping the given share of
// its words still carries: measured on the labelled abstracts, a cut keeping 90% of the
// words still holds 97% of the spans the whole sentence held, 80% holds 91%, 70% 77%,
// 60% 50% and 50% 19% (TestCutKeepsSpans).
func keepFactor(keep float64) float64 {
	points := [...][2]float64{{0.5, 0.19}, {0.6, 0.5}, {0.7, 0.77}, {0.8, 0.91}, {0.9, 0.97}, {1, 1}}
	if keep <= points[0][0] {
		return points[0][1] * keep / points[0][0]
	}
	for k := 1; k < len(points); k++ {
		if keep <= points[k][0] {
			a, b := points[k-1], points[k]
			return a[1] + (b[1]-a[1])*(keep-a[0])/(b[0]-a[0])
		}
	}
	return 1
}

// extractWith chooses the set of at most three sentences, in the abstract's order and
// within maxChars, that most likely states the paper's idea and, failing that, a result.
// A sentence may be cut at a clause boundary to make room.
func extractWith(m *sentenceModel, title, abstract string, maxChars int) string {
	return choose(scoreSentences(m, title, abstract), maxChars)
}

// choose picks the summary from scored sentences ss (extractWith).
func choose(ss []sentence, maxChars int) string {
	if len(ss) == 0 {
		return ""
	}
	cand := make([]int, 0, len(ss))
	for i := range ss {
		if !ss[i].skip {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		cand = append(cand, 0)
	}
	slices.SortStableFunc(cand, func(a, b int) int {
		va, vb := ss[a].pIdea+ss[a].pEither, ss[b].pIdea+ss[b].pEither
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	if len(cand) > maxCandidates {
		cand = cand[:maxCandidates]
	}
	// The variants of each candidate; a weak sentence is only a candidate while nothing
	// better is (the first stays, so there is always a summary).
	var vars [][]variant
	for k, i := range cand {
		if k > 0 && !ss[i].named && ss[i].pIdea+ss[i].pEither < minChance {
			continue
		}
		text := endTruncated(trimLeadIn(ss[i].text))
		if text == "" {
			continue
		}
		vars = append(vars, sentenceVariants(i, text, maxChars))
	}
	value := func(set []*variant) float64 {
		idea, missEither, named, v := 0.0, 1.0, false, 0.0
		for k, x := range set {
			f := x.factor
			idea += f * ss[x.sent].pIdea
			missEither *= 1 - f*ss[x.sent].pEither
			// set is in the abstract's order: the next sentence follows directly
			if k+1 < len(set) && set[k+1].sent == x.sent+1 {
				f = min(f, set[k+1].factor)
				idea += f * ss[x.sent].pPair
				missEither *= 1 - f*ss[x.sent].pPairEither
			}
			named = named || ss[x.sent].name != "" && containsWord(x.text, ss[x.sent].name)
			if x.cut || x.factor < 1 {
				v -= cutCost
			}
			if danglingReference(x, set) {
				v -= danglingCost
			}
		}
		v += ideaWeight*idea + 1 - missEither
		if named {
			v += namedBonus
		}
		return v
	}
	var best []*variant
	bestValue := -1.0
	var set []*variant
	var walk func(from, used int)
	walk = func(from, used int) {
		if len(set) > 0 {
			if v := value(set); v > bestValue {
				best, bestValue = slices.Clone(set), v
			}
		}
		if len(set) == maxChosen {
			return
		}
		for k := from; k < len(vars); k++ {
			for j := range vars[k] {
				x := &vars[k][j]
				n := x.runes
				if len(set) > 0 {
					n++ // joining space
				}
				if used+n > maxChars {
					continue
				}
				set = append(set, x)
				walk(k+1, used+n)
				set = set[:len(set)-1]
			}
		}
	}
	walk(0, 0)
	if best == nil {
		// Nothing fits, not even cut: shorten the most likely sentence at a word.
		return shorten(trimLeadIn(ss[cand[0]].text), maxChars)
	}
	slices.SortFunc(best, func(a, b *variant) int { return a.sent - b.sent })
	parts := make([]string, len(best))
	for k, x := range best {
		parts[k] = x.text
	}
	return strings.Join(parts, " ")
}

// maxCuts bounds the cut variants of a sentence (the longest that fit), which bounds the
// search: about 0.3 ms for a typical abstract and under 1 ms for the longest.
const maxCuts = 3

// sentenceVariants returns the sentence whole and cut at up to maxCuts clause boundaries
// (the latest first) that keep at least half of its words, each at most maxChars runes.
func sentenceVariants(i int, text string, maxChars int) []variant {
	var out []variant
	from := func(text string, factor float64) {
		words := len(strings.Fields(text))
		add := func(t string, cut bool) {
			n := utf8.RuneCountInString(t)
			if n > maxChars {
				return
			}
			keep := float64(len(strings.Fields(t))) / float64(max(words, 1))
			out = append(out, variant{sent: i, text: t, runes: n, keep: keep, cut: cut, factor: factor * keepFactor(keep)})
		}
		add(text, false)
		cuts := 0
		for _, c := range clauseCuts(text) {
			if cuts == maxCuts {
				break
			}
			if kept := len(strings.Fields(c)); kept*2 >= words && utf8.RuneCountInString(c) <= maxChars {
				add(c, true)
				cuts++
			}
		}
	}
	from(text, 1)
	if t := trimLeadClause(text); t != text {
		from(t, leadClauseFactor)
	}
	// without its asides, scaled like a cut that keeps as many words (TestCutKeepsSpans:
	// 12 of 16 spans kept, against 0.87 expected)
	if t := dropAsides(text); t != text {
		from(t, keepFactor(float64(len(strings.Fields(t)))/float64(len(strings.Fields(text)))))
	}
	return out
}

// dropAsides removes bracketed asides of two or more words ("(e.g., a video)",
// "(confirmed by quantitative evaluations)"); a bracketed name, acronym or number
// ("(+14 mIoU)") stays.
func dropAsides(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, " (")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			break
		}
		inner := s[i+2 : i+j]
		if strings.ContainsAny(inner, "()0123456789") || len(strings.Fields(inner)) < 2 {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		b.WriteString(s[:i])
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// leadClause matches a sentence that opens with a clause before its subject: "Given
// posed images and lidar sweeps, we produce ...", "Unlike previous work, our method ...".
var leadClause = regexp.MustCompile(`^[A-Z][^,]{0,200}, (?:we|our|this|these|the proposed|it) `)

// leadClauseFactor is the share of labelled spans a sentence still holds without its
// lead clause (TestCutKeepsSpans measures it: 72 of 78).
const leadClauseFactor = 0.92

// trimLeadClause drops a lead clause (leadClause), or returns s.
func trimLeadClause(s string) string {
	m := leadClause.FindStringIndex(s)
	if m == nil {
		return s
	}
	i := strings.LastIndex(s[:m[1]-1], ", ") + 2
	if strings.Count(s[i:], " ") < 4 {
		return s
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return string(unicode.ToUpper(r)) + s[i+size:]
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

// endTruncated ends cleanly a sentence the abstract's source cut off ("This allows
// FourierMask to be …"): it is cut again at its last clean word (cleanCut), or is ""
// when fewer than four words would be left.
func endTruncated(s string) string {
	t := strings.TrimSuffix(strings.TrimSuffix(s, "…"), "...")
	if t == s {
		return s
	}
	if c := cleanCut(t); len(strings.Fields(c)) >= 4 {
		return c
	}
	return ""
}

// shorten cuts s to at most maxChars runes at a clause boundary if one is past the
// middle, else at the last word boundary, ending with "…"; it never cuts inside a word
// and leaves no dangling enumerator, bracket or connective (cleanCut).
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
			if c := cleanCut(head[:i]); c != "" {
				return c
			}
		}
	}
	if i := strings.LastIndexByte(head, ' '); i > 0 {
		head = head[:i]
	}
	if c := cleanCut(head); c != "" {
		return c
	}
	return strings.TrimRight(head, " ,;:-(") + "…"
}

// clauseBreaks start a clause a sentence can be cut before and still read whole.
var clauseBreaks = []string{
	"; ", " -- ", " — ", ", which ", ", where ", ", while ", ", whereas ", ", but ",
	", and ", ", including ", " including ", ", such as ", " such as ", ", e.g.", " (e.g.",
	" (i.e.", ", i.e.", ", leading to ", ", resulting in ", ", allowing ", ", enabling ",
	", making ", ", thus ", ", thereby ", ", so that ", ", as well as ", ", without ",
	", with ", ", by ", " by ", ", using ", ", in order to ", " in order to ", ", that ",
	", based on ", ", even ", ", especially ", ", namely ", ", compared ", ", outperforming ",
	", achieving ", ", improving ", ", reducing ", ", yielding ", ", providing ", ", via ",
	" via ", ", through ", ", from ", ", for ", " for ", ", in ", ", on ", " on ",
}

// clauseCuts returns s cut before each clause break, shortest last, each ending in "…"
// and cleaned (cleanCut); cuts that leave fewer than four words are dropped.
func clauseCuts(s string) []string {
	var at []int
	for _, b := range clauseBreaks {
		for off := 0; ; {
			i := strings.Index(s[off:], b)
			if i < 0 {
				break
			}
			at = append(at, off+i)
			off += i + len(b)
		}
	}
	slices.Sort(at)
	at = slices.Compact(at)
	var out []string
	for k := len(at) - 1; k >= 0; k-- {
		c := cleanCut(s[:at[k]])
		if c == "" || len(strings.Fields(c)) < 4 || slices.Contains(out, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// danglers are words a cut clause must not end with (matched as written: "AT" is a
// name, "at" a preposition).
var danglers = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "of": true, "to": true,
	"with": true, "for": true, "in": true, "on": true, "by": true, "from": true, "as": true,
	"that": true, "which": true, "such": true, "including": true, "e.g.": true, "i.e.": true,
	"over": true, "than": true, "at": true, "into": true, "between": true, "via": true,
	"using": true, "is": true, "are": true, "be": true, "can": true, "its": true,
	"their": true, "our": true, "this": true, "these": true, "both": true, "each": true,
	"not": true, "only": true, "more": true, "less": true, "while": true, "whereas": true,
	"where": true, "when": true, "if": true, "so": true, "we": true, "but": true,
	"nor": true, "either": true, "whether": true, "how": true, "also": true, "then": true,
	"namely": true, "like": true, "per": true, "up": true, "about": true, "among": true,
	"across": true, "without": true, "within": true, "through": true, "under": true,
	"has": true, "have": true, "was": true, "were": true, "been": true, "being": true,
	"will": true, "would": true, "should": true, "may": true, "might": true, "must": true,
	"do": true, "does": true, "his": true, "her": true, "they": true,
}

// cleanCut ends a cut clause cleanly: no trailing punctuation, enumerator ("(1)", "ii)",
// "(a"), connective or article, no bracket or quote left open, no number left hanging
// after a word that needs it ("by 3"); then "…". It returns "" when nothing is left.
func cleanCut(s string) string {
	for {
		before := s
		s = strings.TrimRight(s, " ,;:-–—/([&")
		// an open bracket or quote: cut before it
		if i := unclosed(s); i >= 0 {
			s = s[:i]
			continue
		}
		k := strings.LastIndexByte(s, ' ')
		last := s[k+1:]
		if isEnumerator(last) || danglers[last] {
			s = s[:max(k, 0)]
			continue
		}
		if s == before {
			break
		}
	}
	if s == "" {
		return ""
	}
	return s + "…"
}

// isEnumerator reports a list marker: "(1)", "1)", "(ii)", "ii)", "(a)", "a)", "1.", "(1".
func isEnumerator(w string) bool {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(w, "("), ")"), ".")
	if t == w || t == "" || len(t) > 4 {
		return false
	}
	for _, r := range t {
		if !unicode.IsDigit(r) && !strings.ContainsRune("ivxabcdefgh", r) {
			return false
		}
	}
	return true
}

// unclosed returns the byte offset of the last bracket or quote in s that is not closed,
// or -1.
func unclosed(s string) int {
	var open []int
	quote := -1
	for i, r := range s {
		switch r {
		case '(', '[', '{':
			open = append(open, i)
		case ')', ']', '}':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case '"', '“', '”':
			if quote >= 0 && r != '“' {
				quote = -1
			} else if r != '”' {
				quote = i
			}
		}
	}
	at := -1
	if len(open) > 0 {
		at = open[len(open)-1]
	}
	if quote > at {
		at = quote
	}
	return at
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
