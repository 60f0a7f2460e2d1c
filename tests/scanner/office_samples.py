"""Test documents: the generators live in agent.fakedocs (the demo uses them too)."""

from pathlib import Path

from agent.fakedocs import *  # noqa: F403
from agent.fakedocs import FAKE_MY_NUMBER, FAKE_NAME, FAKE_PENSION  # noqa: F401

# Encrypted legacy Office samples shipped beside the repository (../shared/fixtures).
FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "office-encrypted"
