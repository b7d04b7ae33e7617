// Package ingest turns what paper sources publish into normalized paperboy.Papers.
//
// Sources and their defaults:
//
//   - Arxiv: the arXiv API (Atom), https://export.arxiv.org/api/query; a category and a
//     submission-date window, paged, at most one request every 3 s. Arxiv also implements
//     paperboy.PaperFetcher for the chat command `add`.
//   - Listing: the arXiv announcement feeds, https://rss.arxiv.org/atom/<cat> (or /rss/);
//     announce types new, cross, replace and replace-cross. Replacements are updates of
//     old papers and come out Quiet.
//   - HFDaily: Hugging Face daily papers, https://huggingface.co/api/daily_papers?date=.
//   - Feed: any RSS 2.0, RSS 1.0 (RDF) or Atom feed of a blog or journal.
//   - JSONLReader: `paperboy import` files, plain or gzip: Kaggle arXiv snapshot lines,
//     the seed corpus shape, and paperboy's own export (json.Marshal of paperboy.Paper).
//
// Every network source goes through one Client: a User-Agent naming paperboy, a timeout
// per request, a response size limit, retries with exponential backoff and jitter on
// 429, 5xx and connection errors that honour Retry-After, and a minimum interval between
// requests to the same source. Time and sleeping are injected so tests never sleep.
//
// The parsers (ParseArxivAPI, ParseListing, ParseHFDaily, ParseFeed) work on bytes and
// are usable without the network; every paper they return has been Normalize()d.
// Malformed payloads give a *ParseError naming the position. The package imports no
// other paperboy package but the root one.
package ingest
