"""Per-object status codes returned by the batched kernels.

Inside jit a failure is a code in an (N,) int32 array and a NaN row, never an exception; the
boundary turns codes into messages or typed errors that name the object.
"""
OK = 0
NOT_CONVERGED = 1  # an iterative solve or an integration did not meet its tolerance
CLOSE_ENCOUNTER = 2  # the object came closer to a massive body than the configured limit
OUTSIDE_EPHEMERIS = 3  # a requested time lies outside the planetary ephemeris
INVALID_ELEMENTS = 4  # non-finite or unphysical input elements (q <= 0, e < 0, ...)
STEP_LIMIT = 5  # the integrator ran out of its step budget

NAMES = {
    OK: "ok",
    NOT_CONVERGED: "not converged",
    CLOSE_ENCOUNTER: "close encounter",
    OUTSIDE_EPHEMERIS: "outside ephemeris coverage",
    INVALID_ELEMENTS: "invalid elements",
    STEP_LIMIT: "step limit reached",
}


def describe(code: int) -> str:
    return NAMES.get(int(code), f"unknown status {int(code)}")
