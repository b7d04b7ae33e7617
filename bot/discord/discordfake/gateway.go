package discordfake

import "net/http"

// gatewayState is the Gateway half's state: sessions, sequence numbers, sent events.
type gatewayState struct{}

func (s *Server) routesGateway(mux *http.ServeMux) {}
