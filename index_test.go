package paperboy

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPorterStem(t *testing.T) {
	tests := []struct{ word, want string }{
		// Porter (1980), step by step.
		{"caresses", "caress"},
		{"ponies", "poni"},
		{"ties", "ti"},
		{"caress", "caress"},
		{"cats", "cat"},
		{"feed", "feed"},
		{"agreed", "agre"},
		{"plastered", "plaster"},
		{"bled", "bled"},
		{"motoring", "motor"},
		{"sing", "sing"},
		{"conflated", "conflat"},
		{"troubled", "troubl"},
		{"sized", "size"},
		{"hopping", "hop"},
		{"tanned", "tan"},
		{"falling", "fall"},
		{"hissing", "hiss"},
		{"fizzed", "fizz"},
		{"failing", "fail"},
		{"filing", "file"},
		{"happy", "happi"},
		{"sky", "sky"},
		{"relational", "relat"},
		{"conditional", "condit"},
		{"rational", "ration"},
		{"valenci", "valenc"},
		{"digitizer", "digit"},
		{"radicalli", "radic"},
		{"differentli", "differ"},
		{"analogousli", "analog"},
		{"vietnamization", "vietnam"},
		{"predication", "predic"},
		{"operator", "oper"},
		{"feudalism", "feudal"},
		{"decisiveness", "decis"},
		{"hopefulness", "hope"},
		{"callousness", "callous"},
		{"formaliti", "formal"},
		{"sensitiviti", "sensit"},
		{"sensibiliti", "sensibl"},
		{"triplicate", "triplic"},
		{"formative", "form"},
		{"formalize", "formal"},
		{"electriciti", "electr"},
		{"electrical", "electr"},
		{"hopeful", "hope"},
		{"goodness", "good"},
		{"revival", "reviv"},
		{"allowance", "allow"},
		{"inference", "infer"},
		{"airliner", "airlin"},
		{"gyroscopic", "gyroscop"},
		{"adjustable", "adjust"},
		{"defensible", "defens"},
		{"irritant", "irrit"},
		{"replacement", "replac"},
		{"adjustment", "adjust"},
		{"dependent", "depend"},
		{"adoption", "adopt"},
		{"communism", "commun"},
		{"activate", "activ"},
		{"angulariti", "angular"},
		{"homologous", "homolog"},
		{"effective", "effect"},
		{"bowdlerize", "bowdler"},
		{"probate", "probat"},
		{"rate", "rate"},
		{"cease", "ceas"},
		{"controll", "control"},
		{"roll", "roll"},
		// The words of paper abstracts.
		{"generalization", "gener"},
		{"training", "train"},
		{"models", "model"},
		{"modeling", "model"},
		{"networks", "network"},
		{"learning", "learn"},
		{"optimization", "optim"},
		{"transformers", "transform"},
		{"hypothesis", "hypothesi"},
		{"datasets", "dataset"},
		// SQLite's limits: under 3 or over 64 bytes pass through; digits and non-ASCII
		// bytes are consonants.
		{"", ""},
		{"is", "is"},
		{"as", "as"},
		{"ies", "ie"},
		{"aed", "a"},
		{"h100s", "h100"},
		{"1990s", "1990"},
		{"gpt4", "gpt4"},
		{"caf\u00e9s", "caf\u00e9"},
		{strings.Repeat("a", 63) + "s", strings.Repeat("a", 63)},
		{strings.Repeat("a", 64) + "s", strings.Repeat("a", 64) + "s"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := PorterStem(tt.word); got != tt.want {
				t.Errorf("PorterStem(%q): got %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestIsStopWord(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		{"the", true},
		{"a", true},
		{"whether", true},
		{"between", true},
		{"via", true},
		{"them", true},
		{"", false},
		{"The", false}, // callers pass lower case
		{"model", false},
		{"not", false}, // negation carries meaning
		{"no", false},
		{"across", true},
		{"acrossx", false},
		{"thesaurus", false},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := IsStopWord(tt.word); got != tt.want {
				t.Errorf("IsStopWord(%q): got %v, want %v", tt.word, got, tt.want)
			}
		})
	}
	for _, w := range strings.Fields(stopWordList) {
		if !IsStopWord(w) {
			t.Errorf("IsStopWord(%q): got false, want true", w)
		}
	}
}

func TestIndexText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"spaces", " \t\n ", ""},
		{"punctuation only", "!?.,;:()[]{}\"'-", ""},
		{"stop words only", "The, and of it is!", ""},
		{"title", "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
			"lotteri ticket hypothesi find spars trainabl neural network"},
		{"hyphens", "self-supervised multi-agent state-of-the-art", "self supervis multi agent state art"},
		{"digits", "GPT-4o scores 92.5% on MMLU in 2024", "gpt 4o score 92 5 mmlu 2024"},
		{"apostrophe", "the partner's policies", "partner s polici"},
		{"case", "BERT Bert bert", "bert bert bert"},
		{"diacritics", "Café naïve Zürich Ångström façade señor", "cafe naiv zurich angstrom facad senor"},
		{"non-decomposing letters", "Straße Øresund Łódź Æther", "strass oresund lodz aether"},
		{"ligatures", "ﬁne-tuning ﬂows eﬃcient", "fine tune flow effici"},
		{"capital sharp s", "STRAẞE", "strass"},
		{"decomposed marks", "cafe\u0301 nai\u0308ve", "cafe naiv"},
		{"leading mark separates", "\u0301abc", "abc"},
		{"CJK", "深度学习 模型，训练", "深度学习 模型 训练"},
		{"mixed scripts", "Transformer模型 works", "transformer模型 work"},
		{"Greek and Cyrillic", "Ωmega Нейронные сети", "ωmega нейронные сети"},
		{"emoji", "🚀 LLMs are 🔥🔥 fast", "llm fast"},
		{"invalid UTF-8", "bad\xffbytes \xc3", "bad byte"},
		{"long word passes through", strings.Repeat("ab", 33) + "s", strings.Repeat("ab", 33) + "s"},
		{"separators collapse", "deep---learning   ...  models", "deep learn model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IndexText(tt.in); got != tt.want {
				t.Errorf("IndexText(%q): got %q, want %q", tt.in, got, tt.want)
			}
			terms := AppendIndexTerms(nil, tt.in)
			if got := strings.Join(terms, " "); got != tt.want {
				t.Errorf("AppendIndexTerms(%q): got %q, want %q", tt.in, terms, tt.want)
			}
		})
	}
}

func TestAppendIndexTermsAppends(t *testing.T) {
	dst := []string{"keep"}
	got := AppendIndexTerms(dst, "Training the models")
	if want := []string{"keep", "train", "model"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := AppendIndexTerms(nil, "of the"); got != nil {
		t.Errorf("no terms: got %q, want nil", got)
	}
}

func TestIndexTextLargeInput(t *testing.T) {
	one := IndexText(benchAbstract)
	n := 10*1024/len(benchAbstract) + 1
	big := strings.Repeat(benchAbstract+"\n", n)
	if len(big) < 10*1024 {
		t.Fatalf("input is %d bytes, want at least 10 KB", len(big))
	}
	got := IndexText(big)
	if want := strings.TrimSpace(strings.Repeat(one+" ", n)); got != want {
		t.Errorf("IndexText(%d bytes): got %d bytes of terms, want %d", len(big), len(got), len(want))
	}
	if got, want := len(AppendIndexTerms(nil, big)), n*len(strings.Fields(one)); got != want {
		t.Errorf("AppendIndexTerms(%d bytes): got %d terms, want %d", len(big), got, want)
	}
}

func TestNameText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Yann LeCun", "yann lecun"},
		{"cs.LG", "cs lg"},
		{"Y. An", "y an"},
		{"", ""},
		{"  ", ""},
		{"The Who", "the who"}, // no stop words dropped
		{"Training Models", "training models"},
		{"José Hernández-Orallo", "jose hernandez orallo"},
		{"Søren Kierkegaard", "soren kierkegaard"},
		{"Łukasz Kaiser", "lukasz kaiser"},
		{"Jürgen Schmidhuber", "jurgen schmidhuber"},
		{"Paul Erdős", "paul erdos"},
		{"Zhang Wei (张伟)", "zhang wei 张伟"},
		{"stat.ML, math.OC", "stat ml math oc"},
		{"O'Neil, J.-P.", "o neil j p"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NameText(tt.in); got != tt.want {
				t.Errorf("NameText(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// checkTermText checks the shape every IndexText/NameText result must have.
func checkTermText(t *testing.T, fn, in, out string) {
	t.Helper()
	if out == "" {
		return
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q): got invalid UTF-8 %q", fn, in, out)
	}
	for _, term := range strings.Split(out, " ") {
		if term == "" {
			t.Fatalf("%s(%q): got %q with an empty term (stray space)", fn, in, out)
		}
		for _, r := range term {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("%s(%q): got %q with %q in a term, want letters and digits only", fn, in, out, r)
			}
		}
	}
}

func FuzzIndexText(f *testing.F) {
	for _, s := range []string{
		// Short seeds: the fuzzer minimizes new inputs, which is slow for long ones.
		"", " ", "Transfer of Representations: self-supervised signals such as colorization.", "Café naïve Straße", "cafe\u0301", "深度学习 模型", "🚀 LLMs",
		"GPT-4o 92.5%", "bad\xffbytes", "İstanbul ǅemal ß ẞ", "a\u0301\u0301b", strings.Repeat("x", 70) + "ing",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := IndexText(s)
		checkTermText(t, "IndexText", s, out)
		if again := IndexText(s); again != out {
			t.Fatalf("IndexText(%q) not deterministic: got %q, then %q", s, out, again)
		}
		terms := AppendIndexTerms(nil, s)
		if got := strings.Join(terms, " "); got != out {
			t.Fatalf("AppendIndexTerms(%q): got %q, want IndexText's %q", s, terms, out)
		}
		names := NameText(s)
		checkTermText(t, "NameText", s, names)
		// IndexText is NameText's words without stop words, stemmed.
		var want []string
		for _, w := range strings.Fields(names) {
			if !IsStopWord(w) {
				want = append(want, PorterStem(w))
			}
		}
		if got := strings.Join(want, " "); got != out {
			t.Fatalf("IndexText(%q): got %q, want NameText %q filtered and stemmed %q", s, out, names, got)
		}
		checkIndexTextWords(t, s)
	})
}

// listSink is a WordSink that lists the words it gets and, with a cache, remembers the
// terms SetTerm records (as a counter of a bulk import does).
type listSink struct {
	words []string
	cache map[string]string // nil: know no terms
	last  string
}

func (l *listSink) Word(w []byte) ([]byte, bool) {
	l.words = append(l.words, string(w))
	l.last = string(w)
	if t, ok := l.cache[l.last]; ok {
		return []byte(t), true
	}
	return nil, false
}

func (l *listSink) SetTerm(term []byte) {
	if l.cache != nil {
		l.cache[l.last] = string(term)
	}
}

// checkIndexTextWords checks IndexTextWords against IndexText and Words, with a sink
// that knows no terms, then with one that learns them: twice over s, so that the second
// pass takes every term from the sink.
func checkIndexTextWords(t *testing.T, s string) {
	t.Helper()
	cache := map[string]string{}
	for pass, sink := range []*listSink{{}, {cache: cache}, {cache: cache}} {
		terms, ok := IndexTextWords(s, sink)
		words := sink.words
		ascii := true
		for i := 0; i < len(s); i++ {
			ascii = ascii && s[i] < 0x80
		}
		if ok != ascii {
			t.Fatalf("IndexTextWords(%q): got ok %v, want %v (pure ASCII)", s, ok, ascii)
		}
		if !ok {
			if terms != "" || words != nil {
				t.Fatalf("IndexTextWords(%q) not ASCII: got %q and words %q, want nothing", s, terms, words)
			}
			return
		}
		if want := IndexText(s); terms != want {
			t.Fatalf("IndexTextWords(%q) pass %d: got terms %q, want IndexText's %q", s, pass, terms, want)
		}
		if want := Words(s); !slices.Equal(words, want) && len(words)+len(want) > 0 {
			t.Fatalf("IndexTextWords(%q): got words %q, want Words' %q", s, words, want)
		}
	}
}

func TestIndexTextWords(t *testing.T) {
	for _, s := range []string{
		"", "  ", "Attention Is All You Need", "GPT-4o beats 92.5% of the state-of-the-art; e.g. (BERT)",
		"The the THE of", "Café", "naïve ascii then é", "x\u00e9 \n LaTeX $\alpha$-stable",
		strings.Repeat("running ", 50),
	} {
		checkIndexTextWords(t, s)
	}
	terms, ok := IndexTextWords("Training the models", &listSink{})
	if !ok || terms != "train model" {
		t.Fatalf("IndexTextWords: got %q, %v; want \"train model\", true", terms, ok)
	}
}

// benchAbstract is a typical title and abstract (from the seed corpus).
const benchAbstract = `Transfer of Representations to Video Label Propagation: Implementation Factors Matter
This work studies feature representations for dense label propagation in video, with a focus on recently proposed methods that learn video correspondence using self-supervised signals such as colorization or temporal cycle consistency. In the literature, these methods have been evaluated with an array of inconsistent settings, making it difficult to discern trends or compare performance fairly. Starting with a unified formulation of the label propagation algorithm that encompasses most existing variations, we systematically study the impact of important implementation factors in feature extraction and label propagation. Along the way, we report the accuracies of properly tuned supervised and unsupervised still image baselines, which are higher than those found in previous works. We also demonstrate that augmenting video-based correspondence cues with still-image-based ones can further improve performance. We then attempt a fair comparison of recent video-based methods on the DAVIS benchmark, showing convergence of best methods to performance levels near our strong ImageNet baseline, despite the usage of a variety of specialized video-based losses and training particulars. Additional comparisons on JHMDB and VIP datasets confirm the similar performance of current methods. We hope that this study will help to improve evaluation practices and better inform future research directions in temporal correspondence.`

func BenchmarkIndexText(b *testing.B) {
	b.SetBytes(int64(len(benchAbstract)))
	b.ReportAllocs()
	for b.Loop() {
		IndexText(benchAbstract)
	}
}

func BenchmarkAppendIndexTerms(b *testing.B) {
	b.SetBytes(int64(len(benchAbstract)))
	b.ReportAllocs()
	var dst []string
	for b.Loop() {
		dst = AppendIndexTerms(dst[:0], benchAbstract)
	}
}

func BenchmarkNameText(b *testing.B) {
	const authors = "José Hernández-Orallo, Yann LeCun, Søren Hauberg, Zhang Wei, Jürgen Schmidhuber"
	b.ReportAllocs()
	for b.Loop() {
		NameText(authors)
	}
}
