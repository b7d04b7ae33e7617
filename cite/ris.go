package cite

import (
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// RIS returns one paper as an RIS record ("TY  - GEN" ... "ER  - ").
//
// The type is GEN: Zotero's RIS importer (translators/RIS.js) reads GEN as a journal
// article, whose fields hold everything we write (title, authors, date, DOI, URL,
// abstract, archive ids); ELEC would make a web page, which has no DOI field, so Zotero
// would move the DOI into a note. Mendeley and EndNote read GEN as a generic item.
// Authors are "Last, First" (one AU line each), the form RIS specifies and Zotero splits
// at the comma. Values are one line: RIS has no continuation lines. Lines end in LF,
// which every importer reads (the spec's CR would not survive paperboy's terminal-safe
// standard output).
func RIS(p *paperboy.Paper) string {
	var b strings.Builder
	tag := func(t, v string) {
		if v = risValue(v); v != "" {
			b.WriteString(t + "  - " + v + "\n")
		}
	}
	b.WriteString("TY  - GEN\n")
	tag("TI", p.Title)
	for _, a := range p.Authors {
		tag("AU", risName(a))
	}
	if y := year(p); y != "" {
		tag("PY", y)
	}
	if !p.Published.IsZero() {
		tag("DA", p.Published.Format("2006/01/02"))
	}
	if p.ArxivID != "" {
		tag("DB", "arXiv")
		tag("AN", "arXiv:"+p.ArxivID)
	}
	tag("DO", p.DOI)
	tag("UR", p.URL())
	tag("AB", p.Abstract)
	for _, c := range p.Categories {
		tag("KW", c)
	}
	b.WriteString("ER  - \n")
	return b.String()
}

// risValue is v on one line without control characters.
func risValue(v string) string {
	return paperboy.CollapseSpace(paperboy.StripControl(v))
}

// risName turns "First Middle Last" into "Last, First Middle"; a name already with a
// comma, of one word, or with " and " in it (a collaboration: Zotero keeps a name without
// a comma as one field) is kept as it is.
func risName(name string) string {
	name = risValue(name)
	if strings.Contains(name, ",") || strings.Contains(" "+strings.ToLower(name)+" ", " and ") {
		return name
	}
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return name
	}
	return name[i+1:] + ", " + name[:i]
}
