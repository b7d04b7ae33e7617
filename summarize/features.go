package summarize

import (
	"math"
	"strings"
	"unicode/utf8"
)

// The extractive summarizer scores each sentence of an abstract, and each pair of adjacent
// sentences, with two small models over the features below: the chance that it states the
// paper's idea (a softmax over the abstract's sentences and pairs), and the chance that it
// states the idea or a result (logistic). The features are generic cues of scientific
// writing (cue phrases, position, length, where the contribution is announced); none
// names a topic. The weights (weights.go) were fitted by TestFitSentenceModels on
// Scholar Inbox's labelled abstracts (../shared/real/scholar-inbox, the half published
// with this project); `PAPERBOY_FIT=1 go test -run TestFitSentenceModels ./summarize`
// refits them and prints the cross-validated figures (PAPERBOY_FIT_OUT writes weights.go).

// Feature indexes.
const (
	fBias = iota
	fFirst
	fLast
	fRelPos
	fRelPos2
	fWeVerb
	fPaperVerb
	fMethodCue
	fResultCue
	fNumber
	fNamed
	fBackground
	fLink
	fShort
	fLong
	fLogLen
	fInsight
	fSpecifically
	fMechanism
	fShow
	fFirstContrib
	fAfterContrib
	fBeforeContrib
	fWeOur
	fQuestion
	fContrast
	fNovel
	fOutperform
	fExperiments
	fAim
	fEnables
	fDataset
	fComponent
	fNextContrib
	fFirstWe
	fBeforeResult
	fAfterNamed
	fSubject
	fAfterShortContrib
	fLongContrib
	fNextElaborates
	fPrevElaborated
	fPair
	fLastContent
	nFeatures
)

var featureNames = [nFeatures]string{
	"bias", "first", "last", "relpos", "relpos2", "we-verb", "paper-verb", "method-cue",
	"result-cue", "number", "named", "background", "link", "short", "long", "loglen",
	"insight", "specifically", "mechanism", "show", "first-contrib", "after-contrib",
	"before-contrib", "we-our", "question", "contrast", "novel", "outperform", "experiments",
	"aim", "enables", "dataset", "component", "next-contrib", "first-we", "before-result",
	"after-named", "subject", "after-short-contrib", "long-contrib", "next-elaborates",
	"prev-elaborated", "pair", "last-content",
}

var (
	insightCues      = []string{"key idea", "main idea", "core idea", "key insight", "insight", "intuition", "the idea", "our idea", "key to", "at the core", "at its core", "the key", "crucial", "central"}
	specificCues     = []string{"specifically", "concretely", "in particular", "to this end", "in detail", "to do so", "to achieve this", "for this purpose", "this is achieved", "to that end"}
	mechanismCues    = []string{" by ", " via ", " through ", " using ", " leverag", " exploit", " combin", " decompos", " incorporat", " integrat", " consists of", " based on", " relies on", " builds on", " learns ", " jointly", " module", " loss", " objective"}
	showCues         = []string{"we show", "we demonstrate", "we find", "we observe", "we verify", "we validate", "we confirm", "we prove", "show that", "demonstrate that", "reveal", "indicate that", "suggest that"}
	contrastCues     = []string{"however", "but ", "although", "while ", "whereas", "despite", "unfortunately", "nevertheless"}
	novelCues        = []string{"novel", " new ", "first", "simple", "effective", "efficient", "unified", "general"}
	outperformCues   = []string{"outperform", "state-of-the-art", "state of the art", "sota", "surpass", "superior", "better than", "exceed", "beats", "significant"}
	experimentCues   = []string{"experiment", "evaluat", "results on", "benchmark", "empirical", "ablation", "extensive", "comprehensive"}
	aimCues          = []string{"we aim", "our goal", "we address", "we tackle", "we focus", "we investigate", "we study", "we explore", "we consider", "we revisit", "we question", "we seek", "this paper studies", "this work studies", "we ask"}
	enablesCues      = []string{"allows", "enables", "leads to", "resulting in", "which results", "making it", "so that", "in order to", "yields", "can be"}
	datasetCues      = []string{"dataset", "benchmark", "corpus", "data set"}
	componentCues    = []string{"first,", "second,", "third,", "then ", "finally", "(i)", "(ii)", "(1)", "(2)", "(a)", "(b)", "component", "stage", "step"}
	sentenceLinkCues = []string{"http", "github", "available at", "code is", "code and", "project page", "our code", "will be released", "publicly available"}
)

// sentenceFeatures fills x with the features of ss[i], given the abstract's marks.
func sentenceFeatures(x *[nFeatures]float64, ss []sentence, i int, mk marks) {
	first := mk.first
	*x = [nFeatures]float64{}
	s := &ss[i]
	l := " " + s.lower
	n := len(ss)
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	x[fBias] = 1
	x[fFirst] = b(i == 0)
	x[fLast] = b(i == n-1 && n > 1)
	if n > 1 {
		x[fRelPos] = float64(i) / float64(n-1)
	}
	x[fRelPos2] = x[fRelPos] * x[fRelPos]
	x[fWeVerb] = b(hasWeVerb(s.lower))
	x[fPaperVerb] = b(hasAny(s.lower, contributionCues))
	x[fMethodCue] = b(hasAny(s.lower, methodCues))
	x[fResultCue] = b(hasAny(s.lower, resultCues))
	x[fNumber] = b(hasNumberResult(s.text))
	x[fNamed] = b(s.named)
	x[fBackground] = b(hasAny(s.lower, backgroundCues))
	x[fLink] = b(hasAny(s.lower, sentenceLinkCues))
	r := utf8.RuneCountInString(s.text)
	x[fShort] = b(r < 60)
	x[fLong] = b(r > 300)
	x[fLogLen] = math.Log(float64(max(r, 10))) - 5
	x[fInsight] = b(hasAny(s.lower, insightCues))
	x[fSpecifically] = b(hasAny(s.lower, specificCues))
	x[fMechanism] = b(hasAny(l, mechanismCues))
	x[fShow] = b(hasAny(s.lower, showCues))
	x[fFirstContrib] = b(i == first)
	x[fAfterContrib] = b(first >= 0 && (i == first+1 || i == first+2))
	x[fBeforeContrib] = b(first >= 0 && i < first)
	x[fWeOur] = b(strings.HasPrefix(s.lower, "we ") || strings.HasPrefix(s.lower, "our ") || strings.Contains(s.lower, " we ") || strings.Contains(s.lower, " our "))
	x[fQuestion] = b(strings.HasSuffix(s.text, "?"))
	x[fContrast] = b(hasAny(s.lower, contrastCues))
	x[fNovel] = b(hasAny(l, novelCues))
	x[fOutperform] = b(hasAny(s.lower, outperformCues))
	x[fExperiments] = b(hasAny(s.lower, experimentCues))
	x[fAim] = b(hasAny(s.lower, aimCues))
	x[fEnables] = b(hasAny(s.lower, enablesCues))
	x[fDataset] = b(hasAny(s.lower, datasetCues))
	x[fComponent] = b(hasAny(l, componentCues))
	x[fNextContrib] = b(first >= 0 && i == first+1)
	x[fFirstWe] = b(i == mk.firstWe)
	x[fBeforeResult] = b(mk.firstResult > 0 && i == mk.firstResult-1)
	x[fAfterNamed] = b(mk.firstNamed >= 0 && i == mk.firstNamed+1)
	if first >= 0 {
		fr := utf8.RuneCountInString(ss[first].text)
		x[fAfterShortContrib] = b(i == first+1 && fr < 130)
		x[fLongContrib] = b(i == first && fr >= 150)
	}
	x[fNextElaborates] = b(i+1 < n && elaborates(ss[i+1].lower))
	x[fPrevElaborated] = b(i > 0 && elaborates(s.lower))
	x[fLastContent] = b(i == mk.lastContent && i > 0)
	x[fSubject] = b(hasPrefixAny(s.lower, subjectOpeners) || s.name != "" && strings.HasPrefix(s.text, s.name))
}

// pairFeatures fills x with the features of two adjacent sentences read as one unit,
// ss[i] and ss[i+1], given theirs (xa, xb): people label an idea across two sentences
// in 13% of the abstracts ("We present X, a dense SLAM system. It …"). A cue counts when
// either sentence has it; position is the first's, length the pair's.
func pairFeatures(x, xa, xb *[nFeatures]float64, ss []sentence, i int) {
	runes := utf8.RuneCountInString(ss[i].text) + utf8.RuneCountInString(ss[i+1].text) + 1
	for k := range x {
		x[k] = max(xa[k], xb[k])
	}
	x[fFirst], x[fLast] = xa[fFirst], xb[fLast]
	x[fRelPos], x[fRelPos2] = xa[fRelPos], xa[fRelPos2]
	x[fShort] = 0
	x[fLong] = 0
	if runes > 300 {
		x[fLong] = 1
	}
	x[fLogLen] = math.Log(float64(max(runes, 10))) - 5
	x[fPair] = 1
}

// elaborates reports whether a sentence opens by detailing the one before it.
func elaborates(l string) bool {
	return hasPrefixAny(l, elaborationOpeners)
}

var elaborationOpeners = []string{
	"specifically", "concretely", "in particular", "precisely", "more specifically",
	"to this end", "to do so", "to achieve this", "it ", "the key", "our key", "the main",
	"the core", "this is achieved", "in detail", "namely", "first,", "the model", "the method",
	"the framework", "the approach", "the system", "we first",
}

// subjectOpeners open a sentence whose subject is the paper's method.
var subjectOpeners = []string{
	"our method", "our approach", "our model", "our framework", "our system", "our network",
	"our algorithm", "the proposed", "our proposed", "the method", "the model", "the framework",
	"the approach", "the system", "the network", "this method", "this approach", "this model",
	"this framework", "it ",
}

// marks are the sentences of an abstract that other sentences' features refer to: the
// first that announces the contribution, the first opening with "we" or "our", the first
// that reports experiments or results, and the first that names the method (-1: none).
type marks struct {
	first, firstWe, firstResult, firstNamed int
	lastContent                             int // the last sentence that is not a link to code
}

func markSentences(ss []sentence) marks {
	mk := marks{first: -1, firstWe: -1, firstResult: -1, firstNamed: -1, lastContent: -1}
	for j := range ss {
		l := ss[j].lower
		if mk.first < 0 && (hasWeVerb(l) || hasAny(l, contributionCues) || hasAny(l, aimCues)) {
			mk.first = j
		}
		if mk.firstWe < 0 && (strings.HasPrefix(l, "we ") || strings.HasPrefix(l, "our ")) {
			mk.firstWe = j
		}
		if mk.firstResult < 0 && j > 0 && (hasAny(l, experimentCues) || hasAny(l, showCues) || hasAny(l, outperformCues)) {
			mk.firstResult = j
		}
		if mk.firstNamed < 0 && ss[j].named {
			mk.firstNamed = j
		}
		if !hasAny(l, sentenceLinkCues) {
			mk.lastContent = j
		}
	}
	return mk
}

// linear returns w·x.
func linear(w *[nFeatures]float64, x *[nFeatures]float64) float64 {
	z := 0.0
	for k := range x {
		z += w[k] * x[k]
	}
	return z
}

// logistic is the logistic function.
func logistic(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
