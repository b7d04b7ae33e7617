package summarize

import (
	"context"

	openai "github.com/sashabaranov/go-openai"

	"github.com/paperboy-bot/paperboy"
)

// Ping makes the smallest request the endpoint answers (one short message, one token
// back) to check the URL, the key and the model before going live (`paperboy doctor`).
// It bypasses the breaker and the retries. Errors: EUNAVAILABLE saying what went wrong,
// without the key.
func (o *OpenAI) Ping(ctx context.Context) error {
	req := openai.ChatCompletionRequest{
		Model:    o.cfg.Model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Reply with OK."}},
	}
	if isReasoningModel(o.cfg.Model) {
		req.MaxCompletionTokens = 16 // reasoning models refuse a budget too small to think in
	} else {
		req.MaxTokens = 1
	}
	if _, _, err := o.send(ctx, req); err != nil {
		return paperboy.Errorf(paperboy.EUNAVAILABLE, "%s", o.classify(err).desc)
	}
	return nil
}
