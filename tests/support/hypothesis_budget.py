"""How many examples each property test tries.

Two hypothesis profiles: `quick`, what `make test` runs (50 examples a test), and `thorough`,
what `make reliability` runs over every property test (500). SGC_HYPOTHESIS_PROFILE names the
one to load (tests/conftest.py loads it before any test module is imported); pytest's
`--hypothesis-profile` works too. A test that needs a budget of its own states it for
hypothesis' standard 100 examples through `examples(n)`, which scales it like the loaded
profile: `examples(3000)` is 1,500 in `make test` and 15,000 in `make reliability`.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE_ENV = "SGC_HYPOTHESIS_PROFILE"
QUICK = "quick"
THOROUGH = "thorough"
STANDARD_EXAMPLES = 100
PROFILE_EXAMPLES = {QUICK: 50, THOROUGH: 500}


def load_profile() -> None:
    """Registers both profiles and loads the one the environment names (`quick` by default)."""
    for name, count in PROFILE_EXAMPLES.items():
        settings.register_profile(name, max_examples=count)
    name = os.environ.get(PROFILE_ENV, QUICK)
    if name not in PROFILE_EXAMPLES:
        known = ", ".join(PROFILE_EXAMPLES)
        raise ValueError(f"{PROFILE_ENV}={name!r} is no hypothesis profile of the suite: {known}")
    settings.load_profile(name)


def examples(standard: int) -> int:
    """`standard` examples scaled from hypothesis' standard budget to the loaded profile's."""
    return max(1, round(standard * settings.default.max_examples / STANDARD_EXAMPLES))
