package summarize

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeOpenAI is a loopback fake of POST /v1/chat/completions speaking the real wire
// format. Each request is answered by the next step; the last step repeats.
type fakeOpenAI struct {
	*httptest.Server
	mu       sync.Mutex
	steps    []step
	requests []fakeRequest
}

type fakeRequest struct {
	Path   string
	Header http.Header
	Body   chatRequest
}

// chatRequest is the part of the chat-completions request the tests look at.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens           int     `json:"max_tokens"`
	MaxCompletionTokens int     `json:"max_completion_tokens"`
	Temperature         float32 `json:"temperature"`
}

type step func(w http.ResponseWriter, r *http.Request)

func newFakeOpenAI(t *testing.T, steps ...step) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{steps: steps}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// URL of the API base ("http://127.0.0.1:NNN/v1").
func (f *fakeOpenAI) base() string { return f.Server.URL + "/v1" }

func (f *fakeOpenAI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeAPIError(w, http.StatusNotFound, "Unknown request URL: "+r.Method+" "+r.URL.Path, "invalid_request_error", "unknown_url")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeAPIError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", nil)
		return
	}
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, fakeRequest{Path: r.URL.Path, Header: r.Header.Clone(), Body: req})
	s := f.steps[min(n, len(f.steps)-1)]
	f.mu.Unlock()
	s(w, r)
}

func (f *fakeOpenAI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeOpenAI) request(i int) fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

// answer replies with a chat.completion carrying content and usage.
func answer(content string, promptTokens, completionTokens int) step {
	return answerFinish(content, "stop", promptTokens, completionTokens)
}

func answerFinish(content, finish string, promptTokens, completionTokens int) step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id":      "chatcmpl-abc123",
			"object":  "chat.completion",
			"created": 1764064800,
			"model":   "gpt-4o-mini-2024-07-18",
			"choices": []map[string]any{{
				"index":         0,
				"message":       map[string]any{"role": "assistant", "content": content},
				"logprobs":      nil,
				"finish_reason": finish,
			}},
			"usage": map[string]any{
				"prompt_tokens":     promptTokens,
				"completion_tokens": completionTokens,
				"total_tokens":      promptTokens + completionTokens,
			},
			"system_fingerprint": "fp_0123456789",
		})
	}
}

func writeAPIError(w http.ResponseWriter, status int, msg, typ string, code any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": code,
	}})
}

// apiError replies with OpenAI's error JSON and extra headers (Retry-After).
func apiError(status int, msg, typ string, code any, header ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		writeAPIError(w, status, msg, typ, code)
	}
}

// rateLimited is OpenAI's 429 with Retry-After seconds.
func rateLimited(retryAfter string) step {
	return apiError(http.StatusTooManyRequests,
		"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.",
		"requests", "rate_limit_exceeded", "Retry-After", retryAfter)
}

func serverError() step {
	return apiError(http.StatusInternalServerError, "The server had an error while processing your request. Sorry about that!", "server_error", nil)
}

// malformed replies 200 with a body that is not JSON (a captive proxy's page).
func malformed() step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}
}

// truncated replies 200 with a chat completion cut off mid-body.
func truncated() step {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"A sum`)
	}
}

// slow holds the request until the client gives up (or d passes).
func slow(d time.Duration) step {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(d):
			answer("Too late to matter, this answer arrives after the deadline.", 1, 1)(w, r)
		}
	}
}

// reset hijacks the connection and closes it with a TCP RST.
func reset() step {
	return func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			panic(err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

// echoAuth is a misbehaving proxy that echoes the Authorization header in its error,
// as JSON (status 401) or as plain text (status 502).
func echoAuth(status int) step {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if status == http.StatusUnauthorized {
			writeAPIError(w, status, fmt.Sprintf("Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", auth), "invalid_request_error", "invalid_api_key")
			return
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "bad gateway; request headers: Authorization: %s", auth)
	}
}
