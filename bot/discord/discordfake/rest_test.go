package discordfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestMessageShape compares the fake's message object with a real one
// (testdata/real_message_create.json, a copy of ../shared/real/discord/discordbm-MESSAGE_CREATE.json): every field of the real
// message is there, except those only the Gateway adds, and nothing else but "thread".
func TestMessageShape(t *testing.T) {
	raw, err := os.ReadFile("testdata/real_message_create.json")
	if err != nil {
		t.Fatal(err)
	}
	var real struct {
		D map[string]json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(raw, &real); err != nil {
		t.Fatal(err)
	}
	s := New(t)
	s.AddChannel(Channel{ID: "10", GuildID: "1", Type: TypeText})
	body := `{"content":"hello","nonce":"pb-d1","enforce_nonce":true}`
	req, _ := http.NewRequest("POST", s.APIURL()+"/channels/10/messages", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bot x")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	gatewayOnly := map[string]bool{"member": true, "guild_id": true}
	var missing, extra []string
	for k := range real.D {
		if _, ok := got[k]; !ok && !gatewayOnly[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if _, ok := real.D[k]; !ok && k != "thread" {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("message fields: missing %v, not in the real message %v", missing, extra)
	}
	if !strings.Contains(string(got["nonce"]), "pb-d1") {
		t.Errorf("create answer nonce = %s, want pb-d1", got["nonce"])
	}
}
