package summarize

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// fakeEmbeddings is a loopback fake of POST /v1/embeddings speaking the real wire format:
// {"object":"list","data":[{"object":"embedding","index":0,"embedding":[...]}],"model":...,
// "usage":{"prompt_tokens":N,"total_tokens":N}}. The first len(fail) requests are answered
// by fail[i] (429s, errors); later ones are answered. A text's vector is derived from its
// bytes (a test of the wire, not of quality).
type fakeEmbeddings struct {
	*httptest.Server
	mu     sync.Mutex
	fail   []step
	inputs [][]string
	dims   []int
	auth   []string
}

func newFakeEmbeddings(t *testing.T, fail ...step) *fakeEmbeddings {
	t.Helper()
	f := &fakeEmbeddings{fail: fail}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func fakeVector(text string) []float32 {
	h := fnv.New64a()
	io.WriteString(h, text)
	s := h.Sum64()
	return []float32{float32(s & 0xff), float32(s >> 8 & 0xff), float32(s >> 16 & 0xff)}
}

func (f *fakeEmbeddings) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		writeAPIError(w, http.StatusNotFound, "Unknown request URL: "+r.URL.Path, "invalid_request_error", "unknown_url")
		return
	}
	var req struct {
		Input      []string `json:"input"`
		Model      string   `json:"model"`
		Dimensions int      `json:"dimensions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeAPIError(w, http.StatusBadRequest, "bad json", "invalid_request_error", nil)
		return
	}
	f.mu.Lock()
	n := len(f.inputs)
	f.inputs = append(f.inputs, req.Input)
	f.dims = append(f.dims, req.Dimensions)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if n < len(f.fail) {
		f.fail[n](w, r)
		return
	}
	data := make([]map[string]any, len(req.Input))
	tokens := 0
	for i, in := range req.Input {
		// Answer in reverse order: the client must place vectors by index.
		data[len(req.Input)-1-i] = map[string]any{"object": "embedding", "index": i, "embedding": fakeVector(in)}
		tokens += len(strings.Fields(in))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": tokens, "total_tokens": tokens}})
}

func (f *fakeEmbeddings) requests() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.inputs)
}

func newTestEmbedder(t *testing.T, base string, batch int, log *slog.Logger) (*Embedder, *fakeClock, *sleeper) {
	t.Helper()
	e, err := NewEmbedder(EmbedConfig{BaseURL: base, Model: "text-embedding-3-small", APIKey: "sk-test-secret-0123456789", BatchSize: batch}, log)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := &sleeper{clock: clock}
	e.Now, e.Sleep, e.Jitter = clock.Now, s.Sleep, func() float64 { return 0 }
	return e, clock, s
}

func embedPapers(n int) []*paperboy.Paper {
	ps := make([]*paperboy.Paper, n)
	for i := range ps {
		ps[i] = &paperboy.Paper{ID: fmt.Sprintf("2401.%05d", i+1), Title: fmt.Sprintf("Paper %d", i), Abstract: "about speculative decoding number " + fmt.Sprint(i)}
	}
	return ps
}

// TestEmbedPapersBatches: papers go in batches of BatchSize, each vector lands on its paper
// whatever the order of the answer, the key is sent as a bearer token, the tokens are the
// endpoint's.
func TestEmbedPapersBatches(t *testing.T) {
	f := newFakeEmbeddings(t)
	e, _, _ := newTestEmbedder(t, f.URL+"/v1", 2, nil)
	ps := embedPapers(5)
	vecs, tokens, err := e.EmbedPapers(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 || len(reqs[0]) != 2 || len(reqs[2]) != 1 {
		t.Fatalf("requests %v: want batches of 2, 2, 1", reqs)
	}
	want := 0
	for _, p := range ps {
		text := EmbedText(p)
		want += len(strings.Fields(text))
		if !slices.Equal(vecs[p.ID], fakeVector(text)) {
			t.Errorf("%s: vector %v, want %v", p.ID, vecs[p.ID], fakeVector(text))
		}
	}
	if tokens != want {
		t.Errorf("tokens %d, want %d", tokens, want)
	}
	if f.auth[0] != "Bearer sk-test-secret-0123456789" {
		t.Errorf("Authorization %q", f.auth[0])
	}
}

// TestEmbed429Storm: a run of 429s is waited out with the server's Retry-After and the
// request then succeeds; a storm longer than the retries fails with EUNAVAILABLE.
func TestEmbed429Storm(t *testing.T) {
	f := newFakeEmbeddings(t, rateLimited("3"), rateLimited("7"), rateLimited("1"))
	e, _, s := newTestEmbedder(t, f.URL+"/v1", 8, nil)
	vecs, _, err := e.EmbedPapers(context.Background(), embedPapers(3))
	if err != nil {
		t.Fatalf("after three 429s: %v", err)
	}
	if len(vecs) != 3 {
		t.Errorf("%d vectors, want 3", len(vecs))
	}
	if got, want := s.delays(), []time.Duration{3 * time.Second, 7 * time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits %v, want the Retry-After values %v", got, want)
	}

	storm := make([]step, 50)
	for i := range storm {
		storm[i] = rateLimited("2")
	}
	f2 := newFakeEmbeddings(t, storm...)
	e2, _, _ := newTestEmbedder(t, f2.URL+"/v1", 8, nil)
	_, _, err = e2.EmbedPapers(context.Background(), embedPapers(3))
	if paperboy.ErrorCode(err) != paperboy.EUNAVAILABLE {
		t.Fatalf("endless 429s: err %v, want EUNAVAILABLE", err)
	}
	if n := len(f2.requests()); n != 1+e2.cfg.MaxRetries {
		t.Errorf("%d requests, want %d (1 + retries)", n, 1+e2.cfg.MaxRetries)
	}
}

// TestEmbedDeadEndpoint: an endpoint that refuses connections fails with EUNAVAILABLE, the
// error is logged once (without the key), and later calls fail at once without a request
// until DownFor has passed.
func TestEmbedDeadEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	var logs bytes.Buffer
	e, clock, s := newTestEmbedder(t, dead, 8, slog.New(slog.NewTextHandler(&logs, nil)))
	for i := 0; i < 3; i++ {
		_, _, err := e.EmbedPapers(context.Background(), embedPapers(2))
		if paperboy.ErrorCode(err) != paperboy.EUNAVAILABLE {
			t.Fatalf("call %d: err %v, want EUNAVAILABLE", i, err)
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d errors logged, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "sk-test") {
		t.Errorf("the key reached the log:\n%s", logs.String())
	}
	tries := len(s.delays())
	if tries != e.cfg.MaxRetries {
		t.Errorf("%d retries, want %d (first call only; later calls must not try)", tries, e.cfg.MaxRetries)
	}

	// Once DownFor has passed the endpoint is tried again; now it answers.
	f := newFakeEmbeddings(t)
	e.client = mustEmbedder(t, f.URL+"/v1").client
	clock.Advance(e.cfg.DownFor + time.Second)
	if _, _, err := e.EmbedPapers(context.Background(), embedPapers(2)); err != nil {
		t.Fatalf("after the endpoint came back: %v", err)
	}
}

func mustEmbedder(t *testing.T, base string) *Embedder {
	e, err := NewEmbedder(EmbedConfig{BaseURL: base, Model: "m", APIKey: "k"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEmbedMalformedAnswer: an answer with fewer vectors than inputs is refused.
func TestEmbedMalformedAnswer(t *testing.T) {
	short := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2]}],"model":"m","usage":{"prompt_tokens":2,"total_tokens":2}}`)
	}
	f := newFakeEmbeddings(t, short)
	e, _, _ := newTestEmbedder(t, f.URL+"/v1", 8, nil)
	if _, _, err := e.EmbedPapers(context.Background(), embedPapers(2)); paperboy.ErrorCode(err) != paperboy.EUNAVAILABLE {
		t.Fatalf("one vector for two inputs: err %v, want EUNAVAILABLE", err)
	}
}

// TestEmbedBulkProgressAndCost: the backfill saves batch by batch, reports progress and
// prices the endpoint's token count at the model's known price.
func TestEmbedBulkProgressAndCost(t *testing.T) {
	f := newFakeEmbeddings(t)
	e, _, _ := newTestEmbedder(t, f.URL+"/v1", 2, nil)
	todo := embedPapers(5)
	saved := map[string][]float32{}
	var out bytes.Buffer
	res, err := EmbedBulk(context.Background(), EmbedBulkOptions{
		Embedder: e,
		List:     func(ctx context.Context, n int) ([]*paperboy.Paper, error) { return todo[:min(n, len(todo))], nil },
		Save: func(ctx context.Context, v map[string][]float32) error {
			for k, x := range v {
				saved[k] = x
			}
			return nil
		},
		Limit:    4,
		Progress: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Embedded != 4 || len(saved) != 4 {
		t.Errorf("embedded %d, saved %d, want 4 (the limit)", res.Embedded, len(saved))
	}
	want := 0
	for _, p := range todo[:4] {
		want += len(strings.Fields(EmbedText(p)))
	}
	if res.Tokens != want || !res.PriceKnown || res.Cost != float64(want)*0.02/1e6 {
		t.Errorf("tokens %d cost %v known %v, want %d tokens at $0.02/M", res.Tokens, res.Cost, res.PriceKnown, want)
	}
	for _, s := range []string{"embed: 2/4 papers", "embed: 4/4 papers", "done: 4 papers", fmt.Sprintf("cost $%.6f", float64(want)*0.02/1e6)} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("progress lacks %q:\n%s", s, out.String())
		}
	}
}

// TestEmbedDimensions: configured dimensions are asked for and name the stored key, so
// vectors of different sizes of one model are kept apart; prices still go by the model.
func TestEmbedDimensions(t *testing.T) {
	f := newFakeEmbeddings(t)
	e, err := NewEmbedder(EmbedConfig{BaseURL: f.URL + "/v1", Model: "text-embedding-3-small", Dimensions: 256}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Model() != "text-embedding-3-small@256" {
		t.Errorf("key %q, want text-embedding-3-small@256", e.Model())
	}
	if _, _, err := e.EmbedPapers(context.Background(), embedPapers(1)); err != nil {
		t.Fatal(err)
	}
	if len(f.dims) != 1 || f.dims[0] != 256 {
		t.Errorf("dimensions sent %v, want [256]", f.dims)
	}
	res, err := EmbedBulk(context.Background(), EmbedBulkOptions{Embedder: e,
		List: func(context.Context, int) ([]*paperboy.Paper, error) { return embedPapers(1), nil },
		Save: func(context.Context, map[string][]float32) error { return nil }})
	if err != nil || !res.PriceKnown {
		t.Errorf("bulk: %v, price known %v; want the model's list price", err, res.PriceKnown)
	}
}

// TestEmbedRefusedText: a batch refused for one text (HTTP 400, as for an input over the
// model's limit) is asked again text by text; the refused paper is left out, the others
// are embedded, and the endpoint is not marked down.
func TestEmbedRefusedText(t *testing.T) {
	f := newFakeEmbeddings(t)
	tooLong := "Paper 1"
	inner := f.Server.Config.Handler
	f.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), tooLong) {
			writeAPIError(w, http.StatusBadRequest, "This model's maximum context length is 8192 tokens", "invalid_request_error", nil)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
	})
	e, _, _ := newTestEmbedder(t, f.URL+"/v1", 8, nil)
	ps := embedPapers(3)
	vecs, _, err := e.EmbedPapers(context.Background(), ps)
	if err != nil {
		t.Fatalf("one refused text: %v", err)
	}
	if len(vecs) != 2 || vecs[ps[0].ID] == nil || vecs[ps[2].ID] == nil || vecs[ps[1].ID] != nil {
		t.Errorf("vectors for %v, want the two papers not refused", slices.Collect(maps.Keys(vecs)))
	}
	if _, down := e.isDown(); down {
		t.Error("a refused text marked the endpoint down")
	}
}
