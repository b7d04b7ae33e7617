// Package bot is paperboy's platform-neutral core: the chat command grammar and router,
// the watcher that turns new papers into outbox rows, the dispatcher that delivers them,
// votes and discussion, and message formatting. Platform adapters (bot/shell, bot/slack)
// implement Adapter and only translate.
package bot
