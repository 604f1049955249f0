import pytest
from django.core.cache import cache

from .factories import ScreeningCriterionFactory

FIVE_CS = [("Capability", 3), ("Commitment", 2), ("Compatibility", 2), ("Coverage", 2), ("Credibility", 1)]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The public endpoints are throttled per client address in the cache: each test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def five_cs(db):
    return [ScreeningCriterionFactory(name=name, weight=w, position=i) for i, (name, w) in enumerate(FIVE_CS)]
