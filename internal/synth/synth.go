// Package synth generates deterministic synthetic corpora of research papers for
// benchmarks: arXiv-like ids and dates, authors, categories, ~10-word titles and
// ~150-250-word abstracts whose word frequencies follow a Zipf-like law, so that common
// words such as "model", "training", "learning" and "data" occur in a large share of
// abstracts (as they do on arXiv) while most of the vocabulary is rare.
package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Version changes whenever the output for a given seed changes; benchmark caches key on it.
const Version = 1

// PerMonth is how many papers one month of ids holds (YYMM.NNNNN, 5-digit numbers).
const PerMonth = 10000

// Start is the announcement month of paper 0.
var Start = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// Generator produces paper i for any i, deterministically from Seed: the same (Seed, i)
// always gives the same paper, so corpora stream without being held in memory.
type Generator struct {
	Seed uint64
}

// common ranks first: the commonest content words of ML abstracts, then domain words.
var contentWords = strings.Fields(`model learning data training models results performance method
	network approach neural task tasks language large deep based methods propose dataset
	datasets learn trained framework inference evaluation reinforcement agents agent policy
	representation representations features feature attention transformer image images
	generation generative diffusion text visual video optimization gradient loss algorithm
	algorithms benchmark benchmarks accuracy robust robustness adversarial graph graphs node
	nodes supervised unsupervised semantic segmentation detection object classification
	prediction predictions sequence embedding embeddings encoder decoder pretrained
	pretraining finetuning fine tuning prompt prompts reasoning retrieval knowledge
	distribution distributions sampling stochastic convergence theoretical analysis bounds
	bound linear nonlinear convex regret bandit bandits online federated privacy private
	differential fairness bias causal causality counterfactual uncertainty bayesian
	posterior variational latent autoencoder contrastive self supervision labels label
	noisy noise domain adaptation transfer shift generalization overfitting regularization
	sparse sparsity pruning quantization compression efficient efficiency memory compute
	scaling laws parameters parameter hyperparameter tuning search architecture
	architectures convolutional recurrent memory temporal spatial multimodal speech audio
	translation summarization question answering dialogue instruction alignment preference
	human feedback reward rewards safety harmful jailbreak hallucination factual
	evaluation metrics metric human annotators corpus tokens token vocabulary multilingual
	lowresource code program synthesis mathematical theorem proof planning robot robotic
	manipulation navigation control controller trajectory dynamics physics simulation
	simulator world environment environments exploration curiosity intrinsic motivation
	multiagent cooperative coordination communication game games equilibrium markov
	decision processes value function estimation estimator variance kernel kernels
	gaussian process processes matrix tensor factorization rank lowrank spectral
	eigenvalue manifold geometric geometry equivariant symmetry invariant molecules
	molecular protein proteins drug discovery chemistry materials medical clinical
	patients health imaging mri ct radiology pathology cell cells genomics biology
	neuroscience brain neurons spiking energy power grid traffic forecasting time series
	anomaly anomalies clustering cluster dimensionality reduction pca retrieval
	recommendation recommender users user ranking search engine queries query
	interpretability explanations explainable attribution saliency probing circuits
	mechanistic neurons sparse autoencoders steering editing unlearning watermark
	watermarking detection membership inference attack attacks defense certified
	verification formal logic symbolic neurosymbolic program programs compiler hardware
	accelerator gpu kernels throughput latency serving distributed parallel parallelism
	pipeline communication bandwidth cache caching decoding speculative mixture experts
	routing router expert gating state space selective recurrence linear attention
	long context window positional encoding rotary extrapolation length chain thought
	verifier verifiers math olympiad competition coding agentic tool tools api web
	browsing scientific discovery literature review survey taxonomy challenges
	opportunities directions empirical study studies comprehensive systematic novel
	simple effective scalable lightweight universal general foundation open source`)

// functionWords make up a large share of real abstract tokens.
var functionWords = strings.Fields(`the of and a to in we is for that with on by this are as an our be from
	which can these it their such at or has have both while than into using show its not also
	more between two over how when can only each other new use one first however through its
	can been across without under while both most where whether`)

var titleWords = strings.Fields(`towards beyond rethinking understanding learning scaling improving efficient
	robust simple unified revisiting on a an the for with via of in and toward making`)

var firstNames = strings.Fields(`Ada Alan Grace Yann Geoffrey Yoshua Fei Andrew Daphne Judea Leslie Barbara
	Michael Jordan Percy Chelsea Sergey Pieter Ilya Oriol Demis Shane David Richard Satinder Doina Joelle
	Hugo Samy Kyunghyun Jason Tomas Quoc Jeff Sanjay Noam Ashish Niki Lukasz Aidan Jakob Illia Tri Albert
	Karan Ming Wei Xin Yu Jie Li Hao Lei Yang Chen Zhang Priya Arjun Ananya Rahul Sara Elena Marco Giulia
	Lucas Emma Olivia Noah Liam Mia Sofia Mateo Ines Jonas Lea Felix Anna Paul`)

var lastNames = strings.Fields(`Lovelace Turing Hopper LeCun Hinton Bengio Li Ng Koller Pearl Valiant Liskov
	Jordan Liang Finn Levine Abbeel Sutskever Vinyals Hassabis Legg Silver Sutton Singh Precup Pineau
	Larochelle Bengio Cho Weston Mikolov Le Dean Ghemawat Shazeer Vaswani Parmar Kaiser Gomez Uszkoreit
	Polosukhin Dao Gu Goel Wang Zhou Liu Zhao Huang Wu Sun Ma Xu Kumar Sharma Gupta Patel Rossi Bianchi
	Schmidt Muller Schneider Fischer Weber Meyer Dubois Martin Bernard Garcia Martinez Lopez Gonzalez
	Silva Santos Kim Park Choi Tanaka Suzuki Sato Nakamura Ivanov Petrov Novak Kowalski Nielsen Hansen`)

type category struct {
	name   string
	weight float64
	topic  []string
}

var categories = []category{
	{"cs.LG", 30, strings.Fields("learning gradient optimization generalization neural training regularization")},
	{"cs.CL", 15, strings.Fields("language text translation tokens corpus dialogue summarization multilingual")},
	{"cs.CV", 18, strings.Fields("image images visual video segmentation detection object diffusion")},
	{"cs.AI", 10, strings.Fields("reasoning planning agents knowledge logic symbolic agent")},
	{"stat.ML", 7, strings.Fields("bayesian posterior variational estimation kernel gaussian distribution")},
	{"math.OC", 4, strings.Fields("convex convergence optimization regret bound control stochastic")},
	{"cs.RO", 4, strings.Fields("robot robotic manipulation navigation control trajectory simulation")},
	{"eess.IV", 3, strings.Fields("imaging mri ct reconstruction images medical")},
	{"q-bio.QM", 3, strings.Fields("protein proteins molecular molecules drug cells genomics")},
	{"physics.comp-ph", 2, strings.Fields("physics simulation dynamics energy materials")},
	{"cs.CR", 2, strings.Fields("privacy attack attacks defense adversarial watermark")},
	{"cs.IR", 2, strings.Fields("retrieval recommendation ranking search queries users")},
}

// corpus holds the vocabulary and sampling tables, built once.
type corpus struct {
	vocab   []string  // content vocabulary, commonest first
	cdf     []float64 // Zipf-like cumulative weights over vocab
	catCDF  []float64
	syllabl []string
}

var shared = buildCorpus()

// vocabSize is the content vocabulary: real words first, then pronounceable pseudo-words
// for the long tail of rare terms (method names, chemicals, datasets...).
const vocabSize = 200_000

func buildCorpus() *corpus {
	c := &corpus{}
	seen := map[string]bool{}
	for _, w := range contentWords {
		if !seen[w] {
			seen[w] = true
			c.vocab = append(c.vocab, w)
		}
	}
	syl := strings.Fields(`ka lo mi ne ru ta vi so pe da ri no ze lu ga te bo fi ma ko si re tu
		pa ne gri tro spe lin dor mar qua zen vel cor phi sta plo bre`)
	c.syllabl = syl
	for k := 0; len(c.vocab) < vocabSize; k++ {
		// Three or four syllables, digits of k in base len(syl), plus a suffix.
		n := k
		var b strings.Builder
		for j := 0; j < 3+(k%2); j++ {
			b.WriteString(syl[n%len(syl)])
			n /= len(syl)
		}
		b.WriteString([]string{"", "ine", "ax", "ol", "er", "ion", "ic", "et"}[(k/7)%8])
		w := b.String()
		if !seen[w] {
			seen[w] = true
			c.vocab = append(c.vocab, w)
		}
	}
	// P(rank r) ∝ 1/(r+10): the top words land in most abstracts, rank ~100 in about one in
	// eight, rank 100k in about one in ten thousand.
	c.cdf = make([]float64, len(c.vocab))
	var sum float64
	for r := range c.vocab {
		sum += 1 / float64(r+10)
		c.cdf[r] = sum
	}
	for r := range c.cdf {
		c.cdf[r] /= sum
	}
	sum = 0
	for _, cat := range categories {
		sum += cat.weight
		c.catCDF = append(c.catCDF, sum)
	}
	for i := range c.catCDF {
		c.catCDF[i] /= sum
	}
	return c
}

func (c *corpus) word(r *rand.Rand) string {
	return c.vocab[sort.SearchFloat64s(c.cdf, r.Float64())]
}

// Paper returns paper number i.
func (g Generator) Paper(i int) paperboy.Paper {
	c := shared
	r := rand.New(rand.NewPCG(g.Seed, uint64(i)*0x9E3779B97F4A7C15+1))
	month := Start.AddDate(0, i/PerMonth, 0)
	num := i%PerMonth + 1
	published := month.Add(time.Duration(num) * (27 * 24 * time.Hour / PerMonth))
	arxivID := fmt.Sprintf("%02d%02d.%05d", month.Year()%100, int(month.Month()), num)

	primary := categories[sort.SearchFloat64s(c.catCDF, r.Float64())]
	cats := []string{primary.name}
	for j := r.IntN(3); j > 0; j-- {
		o := categories[sort.SearchFloat64s(c.catCDF, r.Float64())].name
		if o != primary.name && !contains(cats, o) {
			cats = append(cats, o)
		}
	}
	// A paper's own key terms: drawn from the middle and tail of the vocabulary and
	// repeated, as real abstracts repeat their method's name and subject.
	keys := make([]string, 3+r.IntN(3))
	for k := range keys {
		keys[k] = c.vocab[60+int(math.Exp(r.Float64()*math.Log(float64(len(c.vocab)-61))))]
	}
	content := func() string {
		switch x := r.Float64(); {
		case x < 0.12:
			return keys[r.IntN(len(keys))]
		case x < 0.30:
			return primary.topic[r.IntN(len(primary.topic))]
		default:
			return c.word(r)
		}
	}

	nt := 6 + r.IntN(9)
	tw := make([]string, 0, nt)
	tw = append(tw, keys[0])
	for len(tw) < nt {
		switch x := r.Float64(); {
		case x < 0.2:
			tw = append(tw, titleWords[r.IntN(len(titleWords))])
		case x < 0.35:
			tw = append(tw, keys[r.IntN(len(keys))])
		default:
			tw = append(tw, content())
		}
	}
	r.Shuffle(len(tw), func(a, b int) { tw[a], tw[b] = tw[b], tw[a] })
	for k, w := range tw {
		tw[k] = capitalize(w)
	}
	title := strings.Join(tw, " ")

	na := 120 + r.IntN(140)
	var ab strings.Builder
	ab.Grow(na * 8)
	sentence := 0
	for k := 0; k < na; k++ {
		var w string
		if r.Float64() < 0.45 {
			w = functionWords[r.IntN(len(functionWords))]
		} else {
			w = content()
		}
		if sentence == 0 {
			w = capitalize(w)
		} else {
			ab.WriteByte(' ')
		}
		ab.WriteString(w)
		sentence++
		if sentence > 8 && r.IntN(12) == 0 || k == na-1 {
			ab.WriteString(". ")
			sentence = 0
		}
	}

	authors := make([]string, 1+r.IntN(6))
	for k := range authors {
		authors[k] = firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
	}
	version := 1
	if r.IntN(4) == 0 {
		version = 2 + r.IntN(2)
	}
	p := paperboy.Paper{
		ID:         arxivID,
		ArxivID:    arxivID,
		Version:    version,
		Title:      title,
		Abstract:   strings.TrimSpace(ab.String()),
		Authors:    authors,
		Categories: cats,
		Published:  published,
		Updated:    published.AddDate(0, 0, 7*(version-1)),
		AbsURL:     "https://arxiv.org/abs/" + arxivID,
		PDFURL:     fmt.Sprintf("https://arxiv.org/pdf/%sv%d", arxivID, version),
		Sources:    []string{paperboy.SourceKaggle},
	}
	if r.IntN(5) == 0 {
		p.Comment = fmt.Sprintf("%d pages, %d figures", 8+r.IntN(30), 1+r.IntN(12))
	}
	if r.IntN(20) == 0 {
		p.Upvotes = r.IntN(200)
		p.HFURL = "https://huggingface.co/papers/" + arxivID
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func capitalize(w string) string {
	if w == "" || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	return string(w[0]-'a'+'A') + w[1:]
}

// Papers returns papers [from, from+n).
func (g Generator) Papers(from, n int) []paperboy.Paper {
	out := make([]paperboy.Paper, n)
	for k := range out {
		out[k] = g.Paper(from + k)
	}
	return out
}

// kaggleLine is one line of the Kaggle arXiv metadata snapshot.
type kaggleLine struct {
	ID            string          `json:"id"`
	Submitter     string          `json:"submitter"`
	Authors       string          `json:"authors"`
	Title         string          `json:"title"`
	Comments      *string         `json:"comments"`
	JournalRef    *string         `json:"journal-ref"`
	DOI           *string         `json:"doi"`
	ReportNo      *string         `json:"report-no"`
	Categories    string          `json:"categories"`
	License       *string         `json:"license"`
	Abstract      string          `json:"abstract"`
	Versions      []kaggleVersion `json:"versions"`
	UpdateDate    string          `json:"update_date"`
	AuthorsParsed [][]string      `json:"authors_parsed"`
}

type kaggleVersion struct {
	Version string `json:"version"`
	Created string `json:"created"`
}

// WriteKaggle writes papers [0, n) as Kaggle arXiv snapshot JSONL lines, streaming.
func (g Generator) WriteKaggle(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := 0; i < n; i++ {
		if err := enc.Encode(KaggleLine(g.Paper(i))); err != nil {
			return fmt.Errorf("synth: write paper %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synth: write: %w", err)
	}
	return nil
}

// KaggleLine renders p in the snapshot's line shape (a value for json.Marshal).
func KaggleLine(p paperboy.Paper) any {
	l := kaggleLine{
		ID:         p.ArxivID,
		Submitter:  first(p.Authors),
		Authors:    strings.Join(p.Authors, ", "),
		Title:      p.Title,
		Categories: strings.Join(p.Categories, " "),
		Abstract:   "  " + p.Abstract + "\n",
		UpdateDate: p.Updated.Format("2006-01-02"),
	}
	if p.Comment != "" {
		l.Comments = &p.Comment
	}
	for v := 1; v <= max(p.Version, 1); v++ {
		created := p.Published.AddDate(0, 0, 7*(v-1))
		l.Versions = append(l.Versions, kaggleVersion{Version: fmt.Sprintf("v%d", v), Created: created.Format("Mon, 2 Jan 2006 15:04:05 GMT")})
	}
	for _, a := range p.Authors {
		firstName, last, _ := strings.Cut(a, " ")
		l.AuthorsParsed = append(l.AuthorsParsed, []string{last, firstName, ""})
	}
	return l
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Word returns the content word of the given frequency rank (0 = commonest), for picking
// benchmark queries of known rarity.
func Word(rank int) string {
	if rank < 0 || rank >= len(shared.vocab) {
		return ""
	}
	return shared.vocab[rank]
}
