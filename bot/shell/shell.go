// Package shell is paperboy's terminal chat: one channel ("terminal") and one user, the
// default adapter when no chat token is configured and the harness the bot's tests drive
// like a user. Lines typed are slash commands (`/papers search ...`), votes (`+1 #41`),
// thread replies (`#41 nice result`) or reactions (`react #41 thumbsup`); posts, replies
// and edits are printed as plain text, with control characters neutralized
// (paperboy.TerminalWriter).
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// Platform is the platform name in channel keys ("shell:terminal").
const Platform = "shell"

// maxLine bounds one input line; the rest of a longer line is dropped, with a note.
const maxLine = 16 << 10

// Options configures the terminal adapter.
type Options struct {
	// User is the user's id and name (default $USER, else "you").
	User string
	// Channel is the channel id (default "terminal"); its key is "shell:<Channel>".
	Channel string
	// Admin marks the user as an admin (Command.IsAdmin).
	Admin bool
	// StartID: message ids continue after it, so a restart does not reuse the ids of
	// posts already stored (pass store.DB.LastMessageID of the channel key).
	StartID int64
	// PostLog is an optional file where the key and id of every keyed message (posts,
	// thread replies, summaries, digests) are appended before it is printed; with it
	// FindMessage can tell a message sent before a crash, and the dispatcher sends each
	// once. "" = no log (FindMessage finds nothing).
	PostLog string
	// Prompt forces the "you> " prompt on or off; nil shows it when in is a terminal.
	Prompt *bool
	// AckTimeout is the deadline given to commands, like a platform's acknowledgement
	// window (default 2.5 s): slower commands answer "Working on …" and then the result.
	AckTimeout time.Duration
	Getenv     func(string) string
	Now        func() time.Time
}

// Adapter is the terminal adapter. It implements bot.Adapter, bot.Editor and
// bot.MessageFinder.
type Adapter struct {
	in   io.Reader
	opts Options

	mu      sync.Mutex // serializes writes to out and the id counter
	out     io.Writer
	lastID  int64
	prompt  bool
	waiting bool // the prompt is shown and the user has not answered yet
	// summaries shown per post, so an edit prints the summary only when it changed.
	summaries map[string]string
}

var (
	_ bot.Adapter       = (*Adapter)(nil)
	_ bot.Editor        = (*Adapter)(nil)
	_ bot.MessageFinder = (*Adapter)(nil)
)

// New returns a terminal adapter reading lines from in and writing to out.
func New(in io.Reader, out io.Writer, opts Options) *Adapter {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.User == "" {
		opts.User = opts.Getenv("USER")
	}
	if opts.User == "" {
		opts.User = "you"
	}
	if opts.Channel == "" {
		opts.Channel = "terminal"
	}
	opts.Channel = strings.TrimPrefix(opts.Channel, "#")
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = 2500 * time.Millisecond
	}
	// Everything printed goes through one TerminalWriter: a title, an abstract, a summary,
	// a reply quoting the user can never send the terminal an escape sequence.
	a := &Adapter{in: in, out: paperboy.NewTerminalWriter(out), opts: opts, lastID: opts.StartID, summaries: map[string]string{}}
	if opts.Prompt != nil {
		a.prompt = *opts.Prompt
	} else {
		a.prompt = isTerminal(in)
	}
	if last := a.lastLoggedID(); last > a.lastID {
		a.lastID = last
	}
	return a
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Platform returns "shell".
func (a *Adapter) Platform() string { return Platform }

// Channel returns the channel id ("terminal").
func (a *Adapter) Channel() string { return a.opts.Channel }

// ChannelKey returns the channel's key ("shell:terminal").
func (a *Adapter) ChannelKey() string { return paperboy.ChannelKey(Platform, a.opts.Channel) }

// User returns the user's id.
func (a *Adapter) User() string { return a.opts.User }

// Run reads lines until ctx ends. End of input (Ctrl-D) does not stop it: posts keep
// arriving until the process is signalled.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	go a.read(ctx, lines)
	for {
		if lines != nil {
			a.showPrompt()
		}
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				lines = nil
				a.mu.Lock()
				a.waiting = false
				a.mu.Unlock()
				continue
			}
			a.HandleLine(ctx, h, line)
		}
	}
}

func (a *Adapter) read(ctx context.Context, lines chan<- string) {
	defer close(lines)
	r := bufio.NewReaderSize(a.in, 4096)
	for {
		line, err := r.ReadString('\n')
		if line != "" || err == nil {
			select {
			case lines <- strings.TrimRight(line, "\r\n"):
			case <-ctx.Done():
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (a *Adapter) showPrompt() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prompt && !a.waiting {
		io.WriteString(a.out, "you> ")
		a.waiting = true
	}
}

var (
	voteLine   = regexp.MustCompile(`^([+-]1|👍|👎)\s+#(\d+)$`)
	replyLine  = regexp.MustCompile(`^#(\d+)\s+(.+)$`)
	reactLine  = regexp.MustCompile(`^(react|unreact)\s+#?(\d+)\s+:?([^\s:]+):?$`)
	buttonLine = regexp.MustCompile(`^(click|button)\s+#?(\d+)\s+(upvote|downvote|read_later|not_relevant|share)$`)
)

// HandleLine handles one input line synchronously (tests call it directly).
func (a *Adapter) HandleLine(ctx context.Context, h bot.Handler, line string) {
	a.mu.Lock()
	a.waiting = false
	a.mu.Unlock()
	if len(line) > maxLine {
		line = line[:maxLine]
		a.write(fmt.Sprintf("bot> That line is longer than %d bytes: only its start was read, the rest is ignored.", maxLine))
	}
	line = strings.TrimSpace(strings.ToValidUTF8(line, "?"))
	if line == "" {
		return
	}
	base := bot.Event{Platform: Platform, Channel: a.opts.Channel, User: a.opts.User, At: a.opts.Now()}
	switch {
	case voteLine.MatchString(line):
		m := voteLine.FindStringSubmatch(line)
		if a.known(m[2]) {
			e := base
			e.Kind, e.ThreadID, e.MessageID, e.Text = bot.EventThreadReply, m[2], a.newID(), m[1]
			h.HandleEvent(ctx, e)
		}
	case replyLine.MatchString(line):
		m := replyLine.FindStringSubmatch(line)
		if a.known(m[1]) {
			e := base
			e.Kind, e.ThreadID, e.MessageID, e.Text = bot.EventThreadReply, m[1], a.newID(), m[2]
			h.HandleEvent(ctx, e)
		}
	case reactLine.MatchString(line):
		m := reactLine.FindStringSubmatch(line)
		if a.known(m[2]) {
			e := base
			e.Kind, e.MessageID, e.Reaction = bot.EventReactionAdded, m[2], m[3]
			if m[1] == "unreact" {
				e.Kind = bot.EventReactionRemoved
			}
			h.HandleEvent(ctx, e)
		}
	case buttonLine.MatchString(line):
		m := buttonLine.FindStringSubmatch(line)
		if a.known(m[2]) {
			e := base
			e.Kind, e.MessageID, e.Action = bot.EventButton, m[2], m[3]
			e.Respond = a.reply
			h.HandleEvent(ctx, e)
		}
	default:
		a.command(ctx, h, line)
	}
}

// reply prints a later answer to a command, or the answer to a button click.
func (a *Adapter) reply(_ context.Context, r bot.Reply) error {
	a.write("bot> " + indent(bot.PlainText(r.Text), "     "))
	return nil
}

// known reports whether id is a message of this chat, telling the user when it is not.
func (a *Adapter) known(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	a.mu.Lock()
	ok := err == nil && n > 0 && n <= a.lastID
	a.mu.Unlock()
	if !ok {
		a.write("bot> There is no message #" + truncate(id, 20) + " here; posts look like [post #41].")
	}
	return ok
}

func (a *Adapter) command(ctx context.Context, h bot.Handler, line string) {
	text := line
	if f := strings.Fields(text); len(f) > 0 && (f[0] == "/papers" || f[0] == "papers" || f[0] == "/paper") {
		text = strings.TrimSpace(text[len(f[0]):])
	}
	text = strings.TrimPrefix(text, "/")
	c := bot.Command{
		Platform: Platform, Channel: a.opts.Channel, User: a.opts.User, UserName: a.opts.User,
		Text: text, IsAdmin: a.opts.Admin, Respond: a.reply,
	}
	cctx, cancel := context.WithTimeout(ctx, a.opts.AckTimeout)
	defer cancel()
	r := h.HandleCommand(cctx, c)
	if r.Text != "" {
		a.write("bot> " + indent(bot.PlainText(r.Text), "     "))
	}
}

// Post prints a paper announcement and opens its thread (the post's own id).
func (a *Adapter) Post(_ context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	if err := a.checkChannel(channel); err != nil {
		return bot.PostRef{}, err
	}
	if p.Paper == nil {
		return bot.PostRef{}, bot.Permanent("no paper", errors.New("shell: post without a paper"))
	}
	id := a.newID()
	if err := a.logPost(p.Key, id); err != nil {
		return bot.PostRef{}, bot.Temporary("post log", 0, err)
	}
	var s strings.Builder
	head := "New"
	if cat := p.Paper.PrimaryCategory(); cat != "" {
		head = "New in " + cat
	}
	fmt.Fprintf(&s, "[post #%s] %s: %s", id, head, oneLine(p.Paper.Title))
	if len(p.Paper.Authors) > 0 {
		s.WriteString(" — " + bot.Authors(p.Paper.Authors))
	}
	if u := p.Paper.URL(); u != "" {
		s.WriteString(" — " + u)
	}
	s.WriteString("  (thread opened)")
	if p.Summary != "" {
		s.WriteString("\n  " + oneLine(bot.PlainText(p.Summary)))
		a.mu.Lock()
		if len(a.summaries) > 4096 { // bound the memory of a long session
			clear(a.summaries)
		}
		a.summaries[id] = p.Summary
		a.mu.Unlock()
	}
	if p.Reason != "" {
		s.WriteString("\n  ↳ matched " + oneLine(p.Reason))
	}
	a.write(s.String())
	return bot.PostRef{MessageID: id, ThreadID: id}, nil
}

// Send prints a message in the channel, or in a post's thread when m.ThreadID is set.
// A keyed message is logged first (see Options.PostLog).
func (a *Adapter) Send(_ context.Context, channel string, m bot.Message) (string, error) {
	if err := a.checkChannel(channel); err != nil {
		return "", err
	}
	id := a.newID()
	if err := a.logPost(m.Key, id); err != nil {
		return "", bot.Temporary("post log", 0, err)
	}
	threadID, text := m.ThreadID, bot.PlainText(m.Text)
	if threadID != "" {
		prefix := "  #" + threadID + " └ "
		a.write(prefix + indent(text, strings.Repeat(" ", len("  #"+threadID+" └ ")-2)))
	} else {
		a.write("bot> " + indent(text, "     "))
	}
	return id, nil
}

// Edit prints a post's new vote counts (and summary, when the edit brings one).
func (a *Adapter) Edit(_ context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	if err := a.checkChannel(channel); err != nil {
		return err
	}
	line := fmt.Sprintf("[post #%s updated] %s", ref.MessageID, bot.VoteCounts(p.Tally))
	switch r := p.Tally.Replies; {
	case r == 1:
		line += " · 1 reply"
	case r > 1:
		line += fmt.Sprintf(" · %d replies", r)
	}
	// Only a new summary is worth printing again (vote edits carry the same one).
	a.mu.Lock()
	changed := p.Summary != "" && a.summaries[ref.MessageID] != p.Summary
	if changed {
		a.summaries[ref.MessageID] = p.Summary
	}
	a.mu.Unlock()
	if changed {
		line += "\n  " + oneLine(bot.PlainText(p.Summary))
	}
	a.write(line)
	return nil
}

// FindMessage looks a message up by its key in the post log (found=false without one).
// Keys are unique in the channel, so the thread and the time need no check.
func (a *Adapter) FindMessage(_ context.Context, channel, threadID, key string, _ time.Time) (bot.PostRef, bool, error) {
	if a.opts.PostLog == "" || key == "" || channel != a.opts.Channel {
		return bot.PostRef{}, false, nil
	}
	f, err := os.Open(a.opts.PostLog)
	if errors.Is(err, os.ErrNotExist) {
		return bot.PostRef{}, false, nil
	}
	if err != nil {
		return bot.PostRef{}, false, fmt.Errorf("shell: find message: %w", err)
	}
	defer f.Close()
	var ref bot.PostRef
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, id, ok := strings.Cut(sc.Text(), "\t")
		if ok && k == key {
			ref, found = bot.PostRef{MessageID: id, ThreadID: id}, true
			if threadID != "" {
				ref.ThreadID = threadID
			}
		}
	}
	if err := sc.Err(); err != nil {
		return bot.PostRef{}, false, fmt.Errorf("shell: find message: %w", err)
	}
	return ref, found, nil
}

// logPost appends key and id to the post log and syncs it before the post is shown.
func (a *Adapter) logPost(key, id string) error {
	if a.opts.PostLog == "" || key == "" {
		return nil
	}
	f, err := os.OpenFile(a.opts.PostLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("shell: post log: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s\t%s\n", strings.ReplaceAll(key, "\t", " "), id); err != nil {
		f.Close()
		return fmt.Errorf("shell: post log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("shell: post log: %w", err)
	}
	return f.Close()
}

// lastLoggedID returns the highest message id in the post log (0 without one).
func (a *Adapter) lastLoggedID() int64 {
	if a.opts.PostLog == "" {
		return 0
	}
	f, err := os.Open(a.opts.PostLog)
	if err != nil {
		return 0
	}
	defer f.Close()
	var last int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, id, ok := strings.Cut(sc.Text(), "\t"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > last {
				last = n
			}
		}
	}
	return last
}

func (a *Adapter) checkChannel(channel string) error {
	if channel != a.opts.Channel {
		return bot.Permanent("channel_not_found", fmt.Errorf("shell: no channel %q (this terminal is #%s)", channel, a.opts.Channel))
	}
	return nil
}

func (a *Adapter) newID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastID++
	return strconv.FormatInt(a.lastID, 10)
}

// write prints one message. When the prompt is waiting for the user, the message goes
// on its own line and the prompt is shown again.
func (a *Adapter) write(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.waiting {
		io.WriteString(a.out, "\n")
	}
	io.WriteString(a.out, s+"\n")
	if a.waiting {
		io.WriteString(a.out, "you> ")
	}
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

func oneLine(s string) string { return paperboy.CollapseSpace(s) }

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
