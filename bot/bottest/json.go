package bottest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// AssertJSON compares got (marshalled) with an expected JSON document, ignoring layout:
// the adapters' tests compare what they send to Slack or Discord with a small inline
// document.
func AssertJSON(t testing.TB, got any, want string) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var g, w any
	if err := json.Unmarshal(gb, &g); err != nil {
		t.Fatalf("unmarshal got: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("unmarshal want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		pretty, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("JSON mismatch:\ngot  %s\nwant %s", pretty, want)
	}
}
