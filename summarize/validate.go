package summarize

import (
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

// validateAnswer checks a cleaned answer against the paper's abstract and the requested
// style, language and length. It returns "" when the answer is fine, else the reason.
func validateAnswer(answer, abstract, style, lang string, maxChars int) string {
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
	if style == StyleBullets && strings.Count(answer, "\n") < 1 {
		return rejectBadFormat
	}
	if copiedFrom(lower, strings.ToLower(abstract)) {
		return rejectCopy
	}
	if !inLanguage(answer, lang) {
		return rejectLanguage
	}
	return ""
}

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
