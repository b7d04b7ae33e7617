package discordfake

import "net/http"

// restState is the REST half's state: channels, messages, threads, commands.
type restState struct{}

func (s *Server) routesREST(mux *http.ServeMux) {}
