// Package discordfake is a loopback stand-in for Discord's REST API and Gateway that
// speaks their wire formats (JSON bodies, 429s with retry_after and X-RateLimit-*
// headers, op codes on the websocket), so the adapter is tested offline exactly as it
// talks to Discord. REST lives in rest.go, the Gateway in gateway.go.
package discordfake

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// APIPath is the path prefix of the fake's REST API (discordgo speaks v9).
const APIPath = "/api/v9"

// Server is a fake Discord. Its URL+APIPath is the adapter's APIURL.
type Server struct {
	URL string
	srv *httptest.Server

	gatewayFails atomic.Int32 // GET /gateway[/bot] answers 503 while positive (FailGateway)

	mu   sync.Mutex
	rest restState    // rest.go
	gw   gatewayState // gateway.go
	ix   ixState      // interactions.go
}

// New starts a fake Discord on loopback; it stops when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{}
	mux := http.NewServeMux()
	s.routesREST(mux)
	s.routesGateway(mux)
	s.routesInteractions(mux)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// APIURL is the base URL to give the adapter (Options.APIURL).
func (s *Server) APIURL() string { return s.URL + APIPath }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }
