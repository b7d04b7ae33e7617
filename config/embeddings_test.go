package config

import (
	"strings"
	"testing"
)

// TestEmbeddingsConfig: [embeddings] is off by default, read from the file and the
// environment (PAPERBOY_EMBEDDINGS_* over OPENAI_API_KEY), and checked field by field.
func TestEmbeddingsConfig(t *testing.T) {
	if Default().Embeddings.Enabled() {
		t.Error("embeddings are on by default")
	}
	path := writeFile(t, `
[embeddings]
base_url = "http://127.0.0.1:8080/v1"
model = "nomic-embed-text"
batch_size = 32
price_input = 0.01
`)
	env := map[string]string{"OPENAI_API_KEY": "sk-alias", "PAPERBOY_EMBEDDINGS_API_KEY": "sk-emb"}
	cfg, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := cfg.Embeddings
	if !e.Enabled() || e.Model != "nomic-embed-text" || e.BaseURL != "http://127.0.0.1:8080/v1" || e.BatchSize != 32 || e.PriceInput != 0.01 || e.APIKey != "sk-emb" {
		t.Errorf("embeddings = %+v", e)
	}
	if cfg.Summarize.APIKey != "sk-alias" {
		t.Errorf("summarize.api_key %q: OPENAI_API_KEY still sets it", cfg.Summarize.APIKey)
	}

	bad := Default()
	bad.Embeddings = Embeddings{BaseURL: "ftp://x", BatchSize: -1, APIKey: "sk-secret-value"}
	err = bad.ValidateParts(Dense)
	if err == nil {
		t.Fatal("bad embeddings accepted")
	}
	for _, f := range []string{"embeddings.model", "embeddings.base_url", "embeddings.batch_size"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %s", err, f)
		}
	}
	if strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("error shows the key: %v", err)
	}
	if err := bad.ValidateParts(Summaries); err != nil {
		t.Errorf("a command that does not use embeddings refused: %v", err)
	}
}
