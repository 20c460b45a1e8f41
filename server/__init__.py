"""encke.server: one service layer with gRPC and HTTP/WebSocket transports, and a cache."""
