"""Errors the engine raises for bad input, each naming the request field it is about.

Why a class of its own: callers (the gRPC and HTTP services) must map a bad value to the field
the user sent without parsing message text. `InvalidInput.field` is that name, spelled as in a
request ("times", "model", "frame", "center", "elements.e", "nongrav.DT", ...). It subclasses
ValueError so that code which already catches ValueError keeps working unchanged.
"""
from __future__ import annotations


class InvalidInput(ValueError):
    """A value the engine cannot use. `field`: the request field; str(): the message, for a person.

    The message is kept exactly as given (no "field: " prefix added), so a transport that
    builds its own "field: problem" text from `field` and str(exc) does not repeat the name.
    """

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(problem)

    def __reduce__(self):  # pickles (process pools) with both arguments
        return (type(self), (self.field, self.problem))
