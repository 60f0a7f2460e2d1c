"""Rules are data: detectors, dictionaries and policies as YAML shipped with the package."""

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent


def default_rules_dir() -> Path:
    """The rules shipped with pii-agent (detectors/, policies/, dictionaries/)."""
    return RULES_DIR
