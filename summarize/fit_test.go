package summarize

import (
	"fmt"
	"go/format"
	"hash/fnv"
	"math"
	"os"
	"strings"
	"testing"
)

// sentenceExample is one sentence of a labelled abstract: its features and whether it
// states a labelled idea span, or an idea or result span.
type sentenceExample struct {
	x            [nFeatures]float64
	idea, either bool
	pair         bool // two adjacent sentences as one unit (pairFeatures), labelled when neither alone states it
}

// labelledGroups turns labelled abstracts into sentence examples, one group per
// abstract. A sentence states a span when it holds at least 70% of the span's words.
func labelledGroups(as []*labelled) [][]sentenceExample {
	var groups [][]sentenceExample
	for _, a := range as {
		ss := scoreSentences(&defaultModel, "", a.abstract)
		mk := markSentences(ss)
		g := make([]sentenceExample, len(ss))
		for i := range ss {
			e := &g[i]
			sentenceFeatures(&e.x, ss, i, mk)
			words := map[string]bool{}
			for _, w := range spanWords(ss[i].text) {
				words[w] = true
			}
			for _, sp := range a.spans {
				if (sp.label == "idea" || sp.label == "result") && covered(sp.text, ss[i].lower, words, true) {
					e.either = true
					e.idea = e.idea || sp.label == "idea"
				}
			}
		}
		for i := 0; i+1 < len(ss); i++ {
			e := sentenceExample{pair: true}
			pairFeatures(&e.x, &g[i].x, &g[i+1].x, ss, i)
			text := ss[i].text + " " + ss[i+1].text
			words := map[string]bool{}
			for _, w := range spanWords(text) {
				words[w] = true
			}
			for _, sp := range a.spans {
				if !covered(sp.text, strings.ToLower(text), words, true) {
					continue
				}
				e.idea = e.idea || sp.label == "idea" && !g[i].idea && !g[i+1].idea
				e.either = e.either || (sp.label == "idea" || sp.label == "result") && !g[i].either && !g[i+1].either
			}
			g = append(g, e)
		}
		groups = append(groups, g)
	}
	return groups
}

// The fit runs plain gradient descent from zero: deterministic, and quick at this size.
const (
	fitSteps = 3000
	fitRate  = 0.5
	fitL2    = 0.01 // on every weight but the bias
)

// fitLogistic fits the either model: per sentence, the log loss.
func fitLogistic(groups [][]sentenceExample) [nFeatures]float64 {
	var w [nFeatures]float64
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	for range fitSteps {
		var grad [nFeatures]float64
		for _, g := range groups {
			for i := range g {
				d := logistic(linear(&w, &g[i].x))
				if g[i].either {
					d--
				}
				for k := range grad {
					grad[k] += d * g[i].x[k]
				}
			}
		}
		fitStep(&w, &grad, n)
	}
	return w
}

// fitSoftmax fits the idea model: within each abstract that has an idea sentence, the
// softmax of the sentences' scores should put its mass on that sentence (a conditional
// logit). It also returns the prior, the share of abstracts with an idea sentence.
func fitSoftmax(groups [][]sentenceExample) ([nFeatures]float64, float64) {
	var w [nFeatures]float64
	with := 0
	for _, g := range groups {
		for i := range g {
			if g[i].idea {
				with++
				break
			}
		}
	}
	for range fitSteps {
		var grad [nFeatures]float64
		for _, g := range groups {
			z := make([]float64, len(g))
			var sum, sumIdea float64
			for i := range g {
				z[i] = math.Exp(linear(&w, &g[i].x))
				sum += z[i]
				if g[i].idea {
					sumIdea += z[i]
				}
			}
			if sumIdea == 0 {
				continue
			}
			// d(-log(sumIdea/sum))/dz_i = z_i/sum - [idea] z_i/sumIdea
			for i := range g {
				d := z[i] / sum
				if g[i].idea {
					d -= z[i] / sumIdea
				}
				for k := range grad {
					grad[k] += d * g[i].x[k]
				}
			}
		}
		fitStep(&w, &grad, with)
	}
	w[fBias] = 0 // a softmax ignores it
	return w, float64(with) / float64(max(len(groups), 1))
}

func fitStep(w, grad *[nFeatures]float64, n int) {
	for k := range w {
		g := grad[k] / float64(max(n, 1))
		if k != fBias {
			g += fitL2 * w[k]
		}
		w[k] -= fitRate * g
	}
}

func fitModel(as []*labelled) sentenceModel {
	groups := labelledGroups(as)
	var m sentenceModel
	m.idea, m.ideaPrior = fitSoftmax(groups)
	m.either = fitLogistic(groups)
	return m
}

// fold splits abstracts in two by a hash of their id.
func fold(as []*labelled) (a, b []*labelled) {
	for _, x := range as {
		h := fnv.New32a()
		h.Write([]byte(x.id))
		if h.Sum32()%2 == 0 {
			a = append(a, x)
		} else {
			b = append(b, x)
		}
	}
	return a, b
}

func coverageWith(m *sentenceModel, as []*labelled) coverage {
	return measureCoverage(as, false, func(a *labelled) string {
		return extractWith(m, "", a.abstract, DefaultExtractiveMaxChars)
	})
}

// TestFitSentenceModels refits the sentence models on the labelled abstracts and, with
// PAPERBOY_FIT_OUT=path, writes them as weights.go. It reports two-fold cross-validated
// coverage (fitted on one half of the abstracts, measured on the other): the figure to
// expect on abstracts the fit has not seen, such as the held-out half of the labels.
func TestFitSentenceModels(t *testing.T) {
	if os.Getenv("PAPERBOY_FIT") == "" {
		t.Skip("set PAPERBOY_FIT=1 to refit the sentence models")
	}
	as := loadLabelled(t)
	a, b := fold(as)
	ma, mb := fitModel(a), fitModel(b)
	ca, cb := coverageWith(&mb, a), coverageWith(&ma, b)
	t.Logf("cross-validated: idea %.3f / %.3f, idea or result %.3f / %.3f (halves of %d and %d abstracts)",
		ca.idea, cb.idea, ca.ideaOrResult, cb.ideaOrResult, len(a), len(b))
	m := fitModel(as)
	all := coverageWith(&m, as)
	t.Logf("fitted on all %d: idea %.3f, idea or result %.3f", len(as), all.idea, all.ideaOrResult)
	var src strings.Builder
	src.WriteString("package summarize\n\n// Sentence model weights (features.go), fitted on the labelled abstracts by\n")
	src.WriteString("// PAPERBOY_FIT=1 PAPERBOY_FIT_OUT=$PWD/weights.go go test -run TestFitSentenceModels .\n// Do not edit by hand.\n\n")
	fmt.Fprintf(&src, "// ideaPrior is the share of labelled abstracts whose idea one sentence, or two adjacent\n// sentences together, state.\nconst ideaPrior = %.4f\n\nvar (\n", m.ideaPrior)
	for _, v := range []struct {
		name string
		w    [nFeatures]float64
	}{{"ideaWeights", m.idea}, {"eitherWeights", m.either}} {
		fmt.Fprintf(&src, "\t%s = [nFeatures]float64{\n", v.name)
		for k, x := range v.w {
			fmt.Fprintf(&src, "\t\t%s: %.4f, // %s\n", featureConst[k], math.Round(x*1e4)/1e4, featureNames[k])
		}
		src.WriteString("\t}\n")
	}
	src.WriteString(")\n")
	if out := os.Getenv("PAPERBOY_FIT_OUT"); out != "" {
		b, err := format.Source([]byte(src.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// featureConst names the feature constants for the generated source.
var featureConst = [nFeatures]string{
	"fBias",
	"fFirst",
	"fLast",
	"fRelPos",
	"fRelPos2",
	"fWeVerb",
	"fPaperVerb",
	"fMethodCue",
	"fResultCue",
	"fNumber",
	"fNamed",
	"fBackground",
	"fLink",
	"fShort",
	"fLong",
	"fLogLen",
	"fInsight",
	"fSpecifically",
	"fMechanism",
	"fShow",
	"fFirstContrib",
	"fAfterContrib",
	"fBeforeContrib",
	"fWeOur",
	"fQuestion",
	"fContrast",
	"fNovel",
	"fOutperform",
	"fExperiments",
	"fAim",
	"fEnables",
	"fDataset",
	"fComponent",
	"fNextContrib",
	"fFirstWe",
	"fBeforeResult",
	"fAfterNamed",
	"fSubject",
	"fAfterShortContrib",
	"fLongContrib",
	"fNextElaborates",
	"fPrevElaborated",
	"fPair",
	"fLastContent",
}
