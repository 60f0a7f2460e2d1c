"""Recognizers: detectors written in Python, discovered, not registered in a list.

Any module in this package that defines ``RECOGNIZERS: dict[str, RecognizerFactory]``
takes part; a detector YAML names one with ``kind: recognizer`` + ``recognizer: <name>``.
See ``base`` for the interface.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from .base import Candidate, Recognizer, RecognizerFactory

__all__ = ["Candidate", "Recognizer", "RecognizerFactory", "available"]


@cache
def available() -> dict[str, RecognizerFactory]:
    """Every recognizer factory by name, from every module of this package."""
    found: dict[str, RecognizerFactory] = {}
    for mod in pkgutil.iter_modules(__path__):
        if mod.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for name, factory in getattr(module, "RECOGNIZERS", {}).items():
            if name in found:
                raise ValueError(f"recognizer {name!r} defined twice (second in {module.__name__})")
            found[name] = factory
    return found
