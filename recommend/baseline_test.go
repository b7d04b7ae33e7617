package recommend

import (
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// This file re-implements arxiv-sanity-lite's recommender (compute.py and serve.py of
// karpathy/arxiv-sanity-lite) as the evaluation's baseline: scikit-learn's TfidfVectorizer
// with that project's settings (token pattern, English stop words, 1-2-grams, min_df 5,
// max_df 0.1, at most 20 000 features, smooth idf, sublinear tf, L2 norm) and a LinearSVC
// (squared hinge loss, L2 penalty, C 0.01, class_weight balanced, intercept) trained with
// the tagged papers as positives against all other papers, by liblinear's dual coordinate
// descent. Ranking is by decision value.

var sanityToken = regexp.MustCompile(`\b[a-zA-Z_][a-zA-Z0-9_]+\b`)

// sklearnStopWords is scikit-learn's ENGLISH_STOP_WORDS (from the Glasgow list), as far as
// written down here from memory; a word or two may differ from the real list.
var sklearnStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above across after afterwards again against all almost alone along
	already also although always am among amongst amoungst amount an and another any anyhow anyone anything anyway
	anywhere are around as at back be became because become becomes becoming been before beforehand behind being
	below beside besides between beyond bill both bottom but by call can cannot cant co con could couldnt cry de
	describe detail do done down due during each eg eight either eleven else elsewhere empty enough etc even ever
	every everyone everything everywhere except few fifteen fifty fill find fire first five for former formerly forty
	found four from front full further get give go had has hasnt have he hence her here hereafter hereby herein
	hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its itself
	keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover most mostly move
	much must my myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now
	nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own part per
	perhaps please put rather re same see seem seemed seeming seems serious several she should show side since sincere
	six sixty so some somehow someone something sometime sometimes somewhere still such system take ten than that the
	their them themselves then thence there thereafter thereby therefore therein thereupon these they thick thin third
	this those though three through throughout thru thus to together too top toward towards twelve twenty two un under
	until up upon us very via was we well were what whatever when whence whenever where whereafter whereas whereby
	wherein whereupon wherever whether which while whither who whoever whole whom whose why will with within without
	would yet you your yours yourself yourselves`) {
		m[w] = true
	}
	return m
}()

// stripAccents is scikit-learn's strip_accents='unicode': NFKD, combining marks dropped.
func stripAccents(s string) string {
	d := norm.NFKD.String(s)
	var b strings.Builder
	for _, r := range d {
		if r >= 0x300 && r <= 0x36f {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sanityTerms(doc string) map[string]int {
	var toks []string
	for _, t := range sanityToken.FindAllString(strings.ToLower(stripAccents(doc)), -1) {
		if !sklearnStopWords[t] {
			toks = append(toks, t)
		}
	}
	tf := map[string]int{}
	for i, t := range toks {
		tf[t]++
		if i > 0 {
			tf[toks[i-1]+" "+t]++
		}
	}
	return tf
}

// sanityMatrix is the tf-idf matrix of docs under arxiv-sanity-lite's settings.
type sanityMatrix struct {
	rows [][]sanityEntry
	dim  int
}

type sanityEntry struct {
	j int
	v float64
}

func newSanityMatrix(docs []string, minDF int, maxDFFrac float64, maxFeatures int) *sanityMatrix {
	tfs := make([]map[string]int, len(docs))
	df, total := map[string]int{}, map[string]int{}
	for i, d := range docs {
		tfs[i] = sanityTerms(d)
		for t, c := range tfs[i] {
			df[t]++
			total[t] += c
		}
	}
	maxDF := int(math.Floor(maxDFFrac * float64(len(docs))))
	var vocab []string
	for t, n := range df {
		if n >= minDF && n <= maxDF {
			vocab = append(vocab, t)
		}
	}
	// max_features keeps the terms most frequent across the corpus.
	sort.Slice(vocab, func(a, b int) bool {
		if total[vocab[a]] != total[vocab[b]] {
			return total[vocab[a]] > total[vocab[b]]
		}
		return vocab[a] < vocab[b]
	})
	if len(vocab) > maxFeatures {
		vocab = vocab[:maxFeatures]
	}
	index := make(map[string]int, len(vocab))
	for j, t := range vocab {
		index[t] = j
	}
	n := float64(len(docs))
	m := &sanityMatrix{rows: make([][]sanityEntry, len(docs)), dim: len(vocab)}
	for i, tf := range tfs {
		var row []sanityEntry
		var norm2 float64
		for t, c := range tf {
			j, ok := index[t]
			if !ok {
				continue
			}
			v := (1 + math.Log(float64(c))) * (math.Log((1+n)/(1+float64(df[t]))) + 1)
			row = append(row, sanityEntry{j, v})
			norm2 += v * v
		}
		if norm2 > 0 {
			for k := range row {
				row[k].v /= math.Sqrt(norm2)
			}
		}
		sort.Slice(row, func(a, b int) bool { return row[a].j < row[b].j })
		m.rows[i] = row
	}
	return m
}

// linearSVC trains liblinear's L2-regularized L2-loss SVM (dual) with a bias feature of
// value 1 and class_weight balanced, and returns the decision values of every row.
func (m *sanityMatrix) linearSVC(pos map[int]bool, c float64, seed uint64) []float64 {
	n := len(m.rows)
	npos := len(pos)
	nneg := n - npos
	w := make([]float64, m.dim+1) // last: bias
	alpha := make([]float64, n)
	y := make([]float64, n)
	diag := make([]float64, n)
	qd := make([]float64, n)
	for i, row := range m.rows {
		ci := c * float64(n) / (2 * float64(nneg))
		y[i] = -1
		if pos[i] {
			y[i] = 1
			ci = c * float64(n) / (2 * float64(npos))
		}
		diag[i] = 0.5 / ci
		q := 1.0 // bias
		for _, e := range row {
			q += e.v * e.v
		}
		qd[i] = q + diag[i]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	const eps = 1e-6
	for iter := 0; iter < 10000; iter++ {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range order {
			g := w[m.dim]
			for _, e := range m.rows[i] {
				g += w[e.j] * e.v
			}
			g = y[i]*g - 1 + diag[i]*alpha[i]
			pg := g
			if alpha[i] == 0 && g > 0 {
				pg = 0
			}
			maxPG, minPG = math.Max(maxPG, pg), math.Min(minPG, pg)
			if pg != 0 {
				old := alpha[i]
				alpha[i] = math.Max(alpha[i]-g/qd[i], 0)
				d := (alpha[i] - old) * y[i]
				for _, e := range m.rows[i] {
					w[e.j] += d * e.v
				}
				w[m.dim] += d
			}
		}
		if maxPG-minPG <= eps {
			break
		}
	}
	out := make([]float64, n)
	for i, row := range m.rows {
		s := w[m.dim]
		for _, e := range row {
			s += w[e.j] * e.v
		}
		out[i] = s
	}
	return out
}
