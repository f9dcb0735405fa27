"""Hypothesis profiles: a fixed-seed CI budget, and a long random search to run by hand.

    .venv/bin/python -m pytest -q tests/test_robustness.py                          # ci (default)
    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q tests/test_robustness.py  # ~25x the examples

`ci` is derandomized (the same examples every run, so CI is reproducible and its time is
stable); `long` draws new random examples on each run, and a failure it finds is saved in
`.hypothesis/` and replayed first the next time. The property tests scale their
`max_examples` with `examples(n)`: n under `ci`, `LONG_FACTOR * n` under `long`.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
LONG_FACTOR = 25
_SLOW_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                HealthCheck.function_scoped_fixture]

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=_SLOW_INPUTS)
settings.register_profile("long", derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_INPUTS)
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """The number of examples a property test tries under the current profile."""
    return n * LONG_FACTOR if PROFILE == "long" else n
