package summarize

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// Reasons an answer is rejected (the Message of the EUNAVAILABLE error).
const (
	rejectEmpty     = "the model returned an empty answer"
	rejectTooShort  = "the model's answer is too short to be a summary"
	rejectTooLong   = "the model's answer is too long"
	rejectRefusal   = "the model refused"
	rejectEcho      = "the model repeated its instructions"
	rejectCopy      = "the model copied the abstract"
	rejectLanguage  = "the model answered in the wrong language"
	rejectObeyed    = "the model followed instructions found in the abstract"
	rejectBadFormat = "the model's answer is not in the requested format"
	rejectNothing   = "the model's answer states neither the paper's idea nor its result"
)

// cleanAnswer normalises a model's answer: trims, drops a "TL;DR:" or "Summary:" label
// and wrapping quotes, joins a one-line style into one line and normalises bullets.
func cleanAnswer(s, style string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	for _, label := range []string{"tl;dr:", "tldr:", "tl;dr", "summary:", "zusammenfassung:", "résumé:", "resumen:"} {
		if len(s) >= len(label) && strings.EqualFold(s[:len(label)], label) {
			s = strings.TrimSpace(s[len(label):])
			break
		}
	}
	s = strings.Trim(s, "\"“”'` \t\n")
	if style != StyleBullets {
		return paperboy.CollapseSpace(s)
	}
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		line = paperboy.CollapseSpace(line)
		if line == "" {
			continue
		}
		for _, b := range []string{"- ", "* ", "• ", "– "} {
			if strings.HasPrefix(line, b) {
				line = line[len(b):]
				break
			}
		}
		lines = append(lines, "- "+strings.TrimPrefix(line, "-"))
	}
	return strings.Join(lines, "\n")
}

// validateAnswer checks a cleaned answer against the paper's title and abstract and the
// requested style, language and length. It returns "" when the answer is fine, else the
// reason.
func validateAnswer(answer string, p *paperboy.Paper, style, lang string, maxChars int) string {
	abstract := p.Abstract
	if strings.TrimSpace(answer) == "" {
		return rejectEmpty
	}
	if utf8.RuneCountInString(answer) > maxChars {
		return rejectTooLong
	}
	lower := strings.ToLower(answer)
	if isRefusal(lower) {
		return rejectRefusal
	}
	for _, frag := range echoFragments {
		if strings.Contains(lower, frag) {
			return rejectEcho
		}
	}
	if obeysInjection(lower, strings.ToLower(abstract)) {
		return rejectObeyed
	}
	letters := 0
	for _, r := range answer {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 20 || (!denseScript(lang) && len(strings.Fields(answer)) < 5) {
		return rejectTooShort
	}
	// The part that must carry the idea or the result: all of a tldr; the method and
	// result lines of bullets (a problem line may well restate the title).
	substance := answer
	if style == StyleBullets {
		lines, ok := bulletLines(answer)
		if !ok || lines[1] == "" || lines[2] == "" {
			return rejectBadFormat
		}
		substance = lines[1] + "\n" + lines[2]
	}
	if copiedFrom(lower, strings.ToLower(abstract)) {
		return rejectCopy
	}
	if !inLanguage(answer, lang) {
		return rejectLanguage
	}
	if !statesSomething(substance, p.Title, abstract, lang) {
		return rejectNothing
	}
	return ""
}

// bulletLines returns the problem, method and result lines of a cleaned bullets answer,
// each without its bullet and label ("Problem:", "Methode:", ...). ok is false unless the
// answer has exactly three lines: the prompt asks for three, and with more or fewer there
// is no telling which line is the result.
func bulletLines(answer string) (lines [3]string, ok bool) {
	all := strings.Split(answer, "\n")
	if len(all) != 3 {
		return lines, false
	}
	for i, l := range all {
		lines[i] = stripLabel(strings.TrimSpace(strings.TrimPrefix(l, "- ")))
	}
	return lines, true
}

// stripLabel drops a leading label of one or two words before a colon ("Result:",
// "**Method:**", "Main result:"), in whatever language the model wrote it. A line that
// starts with a name and a colon ("OptMATH: ...") loses the name, which costs the
// checks that follow nothing: the name is in the title or the abstract anyway.
func stripLabel(line string) string {
	head, rest, found := strings.Cut(line, ":")
	if !found {
		return line
	}
	head = strings.Trim(head, "*_ ")
	words := strings.Fields(head)
	if len(words) == 0 || len(words) > 2 || utf8.RuneCountInString(head) > 24 {
		return line
	}
	for _, r := range head {
		if !unicode.IsLetter(r) && r != ' ' {
			return line
		}
	}
	return strings.TrimSpace(strings.Trim(rest, "*_ "))
}

// Thresholds of statesSomething.
const (
	minNewWords      = 3  // words beyond the title, in languages written with spaces
	minNativeLetters = 20 // letters of the language's own script, outside the Latin script
)

// statesSomething reports whether text (a tldr, or the method and result lines of
// bullets) says anything beyond the paper's title, that is, states its idea or its result
// rather than restating the title ("This paper is about <title>.").
//
// The check is on words, deterministic, and the same for both halves of the requirement:
// an idea or a result is stated in words the title does not have. It counts the text's
// distinct words (Porter stems) that are not title words, not stop words and not generic
// words that say nothing about any particular paper (paper, propose, novel, results,
// improve, ...; see genericWords), and needs minNewWords of them. In English at least
// one of them must also be a word (or number) of the abstract, so filler ("an
// interesting and important topic") does not pass for content. Other languages skip that
// part: a faithful German summary of an English abstract shares few words with it, and
// rejecting it would throw good summaries away. Languages with their own script (ru,
// ja, zh, ...) share no words with an English title either, so the check there is only
// that minNativeLetters letters of that script go beyond the title, which is in Latin
// letters. Known limit: a translated title ("Dieses Paper stellt ein skalierbares
// Framework ... vor") passes outside English; catching it would need a dictionary.
func statesSomething(text, title, abstract, lang string) bool {
	if tables := scriptOf[lang]; tables != nil {
		n := 0
		for _, r := range text {
			for _, t := range tables {
				if unicode.Is(t, r) {
					n++
					break
				}
			}
		}
		return n >= minNativeLetters
	}
	english := lang == "en" || lang == ""
	titleStems := stemSet(title)
	var abstractStems map[string]bool
	if english {
		abstractStems = stemSet(abstract)
	}
	own := stopWordsByLang[lang]
	seen := map[string]bool{}
	backed := false
	for _, w := range paperboy.Words(text) {
		s := paperboy.PorterStem(w)
		if seen[s] || titleStems[s] || paperboy.IsStopWord(w) || genericStems[s] ||
			slices.Contains(own, w) || slices.Contains(genericWords[lang], w) {
			continue
		}
		seen[s] = true
		if abstractStems[s] {
			backed = true
		}
	}
	return len(seen) >= minNewWords && (!english || backed)
}

// stemSet returns the Porter stems of the words of s.
func stemSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range paperboy.Words(s) {
		out[paperboy.PorterStem(w)] = true
	}
	return out
}

// genericWords say nothing about any particular paper: the frame of a title restatement
// ("In this paper the authors present a novel approach to ..."), claims without content
// ("improves results"), bullet labels, and words nearly every abstract in the field uses
// (large language models, deep neural networks, data), which a filler clause borrows.
// English ones are matched by stem, and in every language since models mix English in;
// the others by exact word.
var genericWords = map[string][]string{
	"en": strings.Fields(`paper article study work research author authors topic title titled entitled
		called named about this these here discuss discusses describe describes present presents propose
		proposes introduce introduces explore explores address addresses focus focuses deal deals
		investigate investigates consider considers examine examines tackle tackles aim aims goal
		idea main key contribution contributions provide provides offer offers help helps make makes
		approach approaches method methods technique techniques new novel result results show shows
		performance good better improve improves improved improvement important interesting various
		several different problem problems task tasks field area use uses using used also way
		summary overview finding findings large language model models learning based neural
		network networks deep data machine artificial intelligence ai system systems`),
	"de": strings.Fields(`arbeit artikel beitrag studie autoren autor dieses diesem diese thema titel
		handelt befasst beschreibt stellt vor vorgestellt präsentiert schlägt neue neuen neues neuer
		methode ansatz ergebnis ergebnisse zeigt geht um in problem`),
	"fr": strings.Fields(`article étude travail auteurs auteur présente propose traite porte sur cet
		ce nouvelle nouveau nouvel méthode approche résultat résultats montre problème en il`),
	"es": strings.Fields(`artículo estudio trabajo autores autor presenta propone trata sobre nuevo
		nueva método enfoque resultado resultados muestra problema en`),
	"it": strings.Fields(`articolo studio lavoro autori autore presenta propone tratta nuovo nuova
		metodo approccio risultato risultati mostra problema in`),
	"pt": strings.Fields(`artigo estudo trabalho autores autor apresenta propõe trata sobre novo nova
		método abordagem resultado resultados mostra problema`),
	"nl": strings.Fields(`artikel studie werk onderzoek auteurs auteur presenteert stelt voor
		behandelt nieuw nieuwe methode aanpak resultaat resultaten toont probleem in`),
}

// genericStems are the Porter stems of the English generic words.
var genericStems = stemSet(strings.Join(genericWords["en"], " "))

// echoFragments are pieces of our own prompt that never belong in a summary.
var echoFragments = []string{
	"<paper>", "</paper>", "untrusted", "never instructions", "you summarize research papers",
	"summarize the paper between", "the text between the tags",
}

func isRefusal(lower string) bool {
	if strings.Contains(lower, "as an ai") || strings.Contains(lower, "as a large language model") ||
		strings.Contains(lower, "i'm just an ai") {
		return true
	}
	head := lower
	if len(head) > 80 {
		head = head[:80]
	}
	for _, p := range []string{"i'm sorry", "i am sorry", "sorry,", "i cannot", "i can't", "i can not",
		"i'm unable", "i am unable", "i won't", "i will not", "unfortunately, i", "as an assistant"} {
		if strings.Contains(head, p) {
			return true
		}
	}
	return false
}

// injectionMarkers are phrases of prompt-injection attempts.
var injectionMarkers = []string{"ignore previous", "ignore all previous", "ignore the previous",
	"ignore prior", "disregard", "instructions", "system prompt", "you are now", "new instructions"}

// obeysInjection reports whether the abstract carries an injection ("... reply HACKED")
// and the answer starts with the text the injection asked for.
func obeysInjection(answer, abstract string) bool {
	if !hasAny(abstract, injectionMarkers) {
		return false
	}
	aw := paperboy.Words(answer)
	if len(aw) == 0 {
		return false
	}
	words := strings.Fields(abstract)
	for i, w := range words {
		switch strings.Trim(w, ",.;:!\"'") {
		case "reply", "respond", "answer", "say", "output", "print", "write", "return":
		default:
			continue
		}
		j := i + 1
		for j < len(words) && fillerWords[strings.Trim(words[j], ",.;:\"'")] {
			j++
		}
		if j >= len(words) {
			continue
		}
		target := paperboy.Words(strings.Join(words[j:min(j+8, len(words))], " "))
		if len(target) == 0 {
			continue
		}
		// The instruction's first word(s) open the answer.
		n := min(len(target), len(aw), 3)
		match := true
		for k := 0; k < n; k++ {
			if aw[k] != target[k] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

var fillerWords = map[string]bool{"only": true, "with": true, "just": true, "exactly": true, "the": true, "word": true, "simply": true}

// copiedFrom reports whether most of the answer's 5-word runs appear verbatim in the
// abstract (a copy, not a summary).
func copiedFrom(answer, abstract string) bool {
	aw := paperboy.Words(answer)
	const n = 5
	if len(aw) < 12 {
		return false
	}
	joined := " " + strings.Join(paperboy.Words(abstract), " ") + " "
	hit, total := 0, 0
	for i := 0; i+n <= len(aw); i++ {
		total++
		if strings.Contains(joined, " "+strings.Join(aw[i:i+n], " ")+" ") {
			hit++
		}
	}
	return hit*10 >= total*8
}

// Stop words of the Latin-script languages the check knows.
var stopWordsByLang = map[string][]string{
	"en": {"the", "and", "of", "to", "is", "are", "for", "that", "with", "on", "by", "this", "we", "it", "as", "from", "which", "an", "be", "their", "its", "than", "into", "using", "while", "how", "what"},
	"de": {"der", "die", "das", "und", "ist", "sind", "für", "mit", "von", "den", "dem", "des", "ein", "eine", "einen", "einer", "auf", "zu", "sich", "nicht", "wird", "werden", "durch", "auch", "als", "dass", "im", "zur", "zum", "bei", "es", "wie", "oder", "über", "diese", "dieser"},
	"fr": {"le", "la", "les", "et", "des", "du", "un", "une", "est", "sont", "pour", "dans", "avec", "sur", "par", "que", "qui", "au", "aux", "ce", "cette", "plus", "ses", "leur", "nous", "ne", "pas"},
	"es": {"el", "la", "los", "las", "y", "del", "un", "una", "es", "son", "para", "con", "por", "que", "se", "su", "sus", "al", "como", "más", "este", "esta", "lo"},
	"it": {"il", "lo", "la", "gli", "le", "e", "di", "del", "della", "un", "una", "è", "sono", "per", "con", "che", "si", "nel", "dei", "delle", "come", "più", "questo", "questa"},
	"pt": {"o", "os", "as", "e", "do", "da", "dos", "das", "um", "uma", "é", "são", "para", "com", "em", "por", "que", "se", "no", "na", "seu", "sua", "mais", "como", "este", "esta"},
	"nl": {"de", "het", "een", "en", "van", "is", "zijn", "voor", "met", "op", "dat", "die", "te", "door", "als", "wordt", "worden", "niet", "ook", "aan", "om", "deze", "dit"},
}

// scriptOf maps languages written outside Latin script to their script(s).
var scriptOf = map[string][]*unicode.RangeTable{
	"zh": {unicode.Han},
	"ja": {unicode.Han, unicode.Hiragana, unicode.Katakana},
	"ko": {unicode.Hangul},
	"ru": {unicode.Cyrillic}, "uk": {unicode.Cyrillic}, "bg": {unicode.Cyrillic}, "sr": {unicode.Cyrillic},
	"el": {unicode.Greek},
	"ar": {unicode.Arabic}, "fa": {unicode.Arabic},
	"he": {unicode.Hebrew},
	"hi": {unicode.Devanagari},
	"th": {unicode.Thai},
}

// denseScript reports languages written without spaces between words.
func denseScript(lang string) bool { return lang == "zh" || lang == "ja" || lang == "th" }

func validLanguageCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// inLanguage is a cheap check that text is written in lang: the script's share of the
// letters, and for the Latin-script languages it knows, that lang's function words are
// not outnumbered by another language's. Unknown languages pass.
func inLanguage(text, lang string) bool {
	lang = strings.ToLower(lang)
	if lang == "" {
		return true
	}
	var letters, latin, native int
	tables := scriptOf[lang]
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.Is(unicode.Latin, r) {
			latin++
		}
		for _, t := range tables {
			if unicode.Is(t, r) {
				native++
				break
			}
		}
	}
	if letters == 0 {
		return false
	}
	if tables != nil {
		// Technical terms stay in Latin letters; the native script must still carry
		// a good share of the text.
		return native*4 >= letters
	}
	if latin*10 < letters*8 {
		return false
	}
	own, ok := stopWordsByLang[lang]
	if !ok {
		return true
	}
	words := paperboy.Words(text)
	if len(words) < 6 {
		return true
	}
	count := func(list []string) int {
		n := 0
		for _, w := range words {
			for _, s := range list {
				if w == s {
					n++
					break
				}
			}
		}
		return n
	}
	mine := count(own)
	if mine == 0 {
		return false
	}
	for other, list := range stopWordsByLang {
		if other != lang && count(list) > mine*3/2+1 {
			return false
		}
	}
	return true
}
