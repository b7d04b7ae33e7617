package discord

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzInbound feeds arbitrary payloads to everything that reads Discord's input: the
// interaction parser and command text, reaction and message translation. None may panic.
func FuzzInbound(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "real", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var fr struct {
			D json.RawMessage `json:"d"`
		}
		if json.Unmarshal(b, &fr) == nil {
			f.Add([]byte(fr.D))
		}
	}
	f.Add([]byte(`{"type":2,"id":"1","token":"t","guild_id":"g","data":{"name":"papers","options":[{"name":"search","type":1,"options":[{"name":"author","type":3,"value":"a\" b"}]}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in interaction
		if json.Unmarshal(raw, &in) == nil {
			_, _ = commandText(in.Data)
			_ = in.isAdmin()
			_ = in.user()
		}
		translateReaction("MESSAGE_REACTION_ADD", raw, "1")
		translateMessage(raw, "1")
		_ = keyedValue(string(raw))
		_ = cutWords(string(raw), 5)
	})
}

func BenchmarkCommandText(b *testing.B) {
	d := ixData{Name: "papers", Options: []ixOption{{Name: "search", Type: 1, Options: []ixOption{
		opt("query", `"speculative decoding -survey"`), opt("author", `"Tri Dao"`), opt("since", `"1y"`), opt("sort", `"new"`)}}}}
	for b.Loop() {
		if _, err := commandText(d); err != nil {
			b.Fatal(err)
		}
	}
}
