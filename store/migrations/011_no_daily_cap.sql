-- Subscription.DailyCap 0 now means "the bot's default cap" and -1 (paperboy.NoDailyCap)
-- means none. Until now a stored 0 meant none (what people typed as cap:0, or a
-- bot.daily_cap of 0 copied at subscribe time), though the watcher read it as the
-- default: keep what was asked for.
UPDATE subscriptions SET daily_cap = -1 WHERE daily_cap = 0;
