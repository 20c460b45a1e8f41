"""Property-based fuzzing of the HTTP API from its own OpenAPI schema with Schemathesis (issue
16), against the shared live server (tests/server/conftest.py: real ports, small limits).

For every operation the schema lists, Schemathesis generates valid and invalid path and query
parameters (both generation modes); any 5xx fails. Operations are driven one by one with
Hypothesis (schemathesis' lazy pytest fixture does not run under pytest 9), MAX_EXAMPLES each,
and every failing operation is reported, not only the first.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.fuzz
MAX_EXAMPLES = 10
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])


def fuzz_operation(operation, base_url: str) -> str | None:
    """None, or what the first request answered with a 5xx was."""
    failure = []

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
           | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def fuzz(case):
        response = case.call(base_url=base_url, timeout=30)
        if response.status_code >= 500:
            failure.append(f"{case.method} {case.formatted_path} query={case.query!r}: "
                           f"{response.status_code} {response.text[:200]!r}")
        assert response.status_code < 500, failure[-1]

    try:
        fuzz()
    except AssertionError:
        return failure[-1] if failure else "failed"
    return None


def test_no_generated_request_makes_the_server_fail(live):
    schema = schemathesis.openapi.from_url(f"{live.http}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # the catalog, trajectory, observe, planets, health, metrics ... routes
    failures = [f"{op.label}: {problem}" for op in operations
                if (problem := fuzz_operation(op, live.http)) is not None]
    assert not failures, "\n".join(failures)
