package summarize

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	as := loadLabelled(t)
	f, _ := os.Create("/tmp/ev/dump.txt")
	defer f.Close()
	for _, a := range as {
		sum := extract("", a.abstract, 350)
		c := measureCoverage([]*labelled{a}, false, func(*labelled) string { return sum })
		ss := scoreSentences(&defaultModel, "", a.abstract)
		fmt.Fprintf(f, "=== %s idea=%v either=%v\nSUM: %s\n", a.id, c.idea > 0, c.ideaOrResult > 0, sum)
		for _, s := range ss {
			lab := ""
			for _, sp := range a.spans {
				if covered(sp.text, s.lower, nil, false) {
					lab += sp.label[:1]
				}
			}
			in := " "
			if strings.Contains(sum, strings.TrimSuffix(trimLeadIn(s.text), ".")[:20]) {
				in = "*"
			}
			fmt.Fprintf(f, "%s %-3s %.2f %.2f %4d %s\n", in, lab, s.pIdea, s.pEither, len(s.text), s.text)
		}
		for _, sp := range a.spans {
			if sp.label == "idea" || sp.label == "result" {
				fmt.Fprintf(f, "   [%s] %s\n", sp.label, sp.text)
			}
		}
	}
}
