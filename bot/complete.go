package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// Completer suggests values for a command's argument while the user types it (Discord
// autocomplete). The Bot implements it; an adapter that offers completion finds it by a
// type assertion on its Handler.
type Completer interface {
	// Complete returns at most MaxChoices choices for the argument of command ("unsubscribe":
	// the channel's subscription ids; "timezone": IANA zone names) that match typed, best
	// first. It returns nil for commands without completion and never fails: completion
	// is a convenience, the command itself reports errors.
	Complete(ctx context.Context, c Command, command, typed string) []Choice
}

// Choice is one completion: Name is shown, Value becomes the argument.
type Choice struct {
	Name  string
	Value string
}

// MaxChoices is the most choices Complete returns (Discord shows at most 25).
const MaxChoices = 25

var _ Completer = (*Bot)(nil)

// Complete implements Completer.
func (b *Bot) Complete(ctx context.Context, c Command, command, typed string) []Choice {
	typed = strings.TrimSpace(typed)
	switch command {
	case "unsubscribe":
		return b.completeSubscriptions(ctx, c, typed)
	case "timezone":
		return completeZones(typed)
	}
	return nil
}

// completeSubscriptions lists the channel's subscriptions whose id starts with typed or
// whose filter contains it.
func (b *Bot) completeSubscriptions(ctx context.Context, c Command, typed string) []Choice {
	subs, err := b.cfg.Subs.Subscriptions(ctx, paperboy.ChannelKey(c.Platform, c.Channel))
	if err != nil {
		return nil
	}
	want := strings.ToLower(strings.TrimPrefix(typed, "#"))
	var out []Choice
	for _, s := range subs {
		id := strconv.FormatInt(s.ID, 10)
		if want != "" && !strings.HasPrefix(id, want) && !strings.Contains(strings.ToLower(s.Filter), want) {
			continue
		}
		out = append(out, Choice{Name: id + ": " + s.Filter + " — " + describeDigest(s.Digest), Value: id})
		if len(out) == MaxChoices {
			break
		}
	}
	return out
}

// completeZones lists zone names matching typed: prefixes of the name or of its city
// first, then names containing it. A loadable name typed in full comes first.
func completeZones(typed string) []Choice {
	want := strings.ToLower(strings.ReplaceAll(typed, " ", "_"))
	var first, more []Choice
	seen := map[string]bool{}
	if typed != "" {
		if loc, err := loadZone(strings.ReplaceAll(typed, " ", "_")); err == nil {
			first = append(first, Choice{Name: loc.String(), Value: loc.String()})
			seen[loc.String()] = true
		}
	}
	for _, z := range zoneNames {
		if seen[z] {
			continue
		}
		lz := strings.ToLower(z)
		city := lz[strings.LastIndexByte(lz, '/')+1:]
		switch {
		case strings.HasPrefix(lz, want) || strings.HasPrefix(city, want):
			first = append(first, Choice{Name: z, Value: z})
		case strings.Contains(lz, want):
			more = append(more, Choice{Name: z, Value: z})
		}
	}
	out := append(first, more...)
	if len(out) > MaxChoices {
		out = out[:MaxChoices]
	}
	return out
}

// CommandNames returns the names of the commands of the grammar, in help order, so that
// adapters with native commands (Discord's /papers subcommands) can check they offer them all.
func (b *Bot) CommandNames() []string { return append([]string(nil), b.names...) }
