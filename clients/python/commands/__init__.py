"""One module per `encke` subcommand; each defines `register(subparsers)`."""
