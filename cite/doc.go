// Package cite writes papers in the formats reference managers import: BibTeX (arXiv's
// @misc style, read by BibTeX, BibLaTeX/biber, Zotero and Mendeley) and RIS. It imports
// only the domain package; bot and cmd/paperboy use it.
package cite
