"""Shared fixtures. The spaCy pipeline is loaded once per test session."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
SEED = SHARED / "seed" / "karabakh-2023-09-20.txt"


@pytest.fixture(scope="session")
def nlp():
    from eventwire.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def code(nlp):
    """code(text, published) -> Document, with the session's pipeline."""
    from eventwire import code_text

    def _code(text: str, published: str | None = "2024-03-06"):
        return code_text(text, published=published, nlp=nlp)

    return _code


@pytest.fixture()
def shared():
    if not SEED.exists():
        pytest.skip("../shared is absent (a clone outside the project workspace)")
    return SHARED
