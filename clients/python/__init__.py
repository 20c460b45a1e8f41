"""encke.client: the typed gRPC client and the `encke` command-line interface.

    from encke.client import Client, EnckeError
"""
_CLIENT_NAMES = ("Client", "EnckeError", "Clock", "CometPage", "TrajectoryChunk", "CatalogChunk", "FollowFrame",
                 "ObservationChunk")


def __getattr__(name):
    # lazy, so that the CLI does not import grpc for commands that never use it
    if name in _CLIENT_NAMES:
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module 'encke.client' has no attribute {name!r}")
