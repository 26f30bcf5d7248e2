"""Fixtures of the hostile-input corpus: a spy on ZIP inflation, export files kept in tmp."""

import zipfile

import pytest


@pytest.fixture
def inflated(monkeypatch):
    """inflated() -> bytes inflated from any ZIP member since the test began (zip bombs must stay small)."""
    total = [0]
    read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = read(self, n)
        total[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return lambda: total[0]


@pytest.fixture
def media(settings, tmp_path):
    """Export files go to this test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The create throttle counts in the cache: hundreds of creates here must not meet a 429."""
    from django.core.cache import cache

    cache.clear()
