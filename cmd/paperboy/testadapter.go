//go:build paperboytest

package main

import (
	"log/slog"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/config"
)

// In binaries built with -tags paperboytest, [test] chat_url selects the loopback fake
// chat platform of bot/bottest (crash and storm tests run the real binary against it).
func init() {
	testOffline = true
	extraAdapters["test"] = func(cfg config.Config, _ *slog.Logger) (bot.Adapter, error) {
		return &bottest.HTTPAdapter{BaseURL: cfg.Test.ChatURL}, nil
	}
}
