"""encke.client: the typed gRPC client and the `encke` command-line interface."""
