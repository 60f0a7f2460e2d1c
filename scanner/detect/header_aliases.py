"""Column headers in Latin letters (KISO_NENKIN_BANGO, SHIMEI, birth_date) read as the
Japanese label they stand for (rules/header_aliases.yaml), so that a system export's
columns give their values the same context a Japanese header would."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import RulesError

FILE_NAME = "header_aliases.yaml"
_SEPARATORS = re.compile(r"[\s_\-./]+")


class HeaderAliases:
    def __init__(self, whole: dict[str, str], ending: dict[str, str], raw_words: list[str] | None = None) -> None:
        self._whole = whole
        self._endings = sorted(ending.items(), key=lambda item: -len(item[0]))  # the longest ending first
        self.raw_words = raw_words or []

    def raw_forms(self) -> list[str]:
        """``raw_words`` as a raw file may spell them: nenkin, NENKIN, Nenkin."""
        return sorted({form for word in self.raw_words for form in (word, word.upper(), word.capitalize())})

    @classmethod
    def load(cls, rules_dir: Path) -> HeaderAliases:
        """The aliases of ``rules_dir``; none when it has no such file (rules of one's own)."""
        path = rules_dir / FILE_NAME
        if not path.is_file():
            return cls({}, {})
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RulesError(str(path), None, f"invalid YAML: {exc}") from exc
        if not isinstance(data, dict) or set(data) - {"whole", "ending", "raw_words"}:
            raise RulesError(str(path), None, "expected a mapping with 'whole', 'ending' and 'raw_words'")
        raw_words = data.get("raw_words") or []
        if not isinstance(raw_words, list) or not all(isinstance(w, str) and w.isascii() and w.isalpha()
                                                      and w == w.lower() for w in raw_words):
            raise RulesError(str(path), None, "raw_words: expected a list of lowercased Latin words")
        tables: dict[str, dict[str, str]] = {}
        for part in ("whole", "ending"):
            table = data.get(part) or {}
            if not isinstance(table, dict):
                raise RulesError(str(path), None, f"{part}: expected a mapping of header to label")
            for key, label in table.items():
                if not (isinstance(key, str) and key == _key(key) and key.isascii() and key):
                    raise RulesError(str(path), None, f"{part}: {key!r} is not a lowercased Latin header "
                                                      "without separators")
                if not (isinstance(label, str) and label.strip() and not label.isascii()):
                    raise RulesError(str(path), None, f"{part}: {key!r} needs a Japanese label")
            tables[part] = {str(k): str(v) for k, v in table.items()}
        return cls(tables["whole"], tables["ending"], list(raw_words))

    def label(self, header: str) -> str:
        """The Japanese label ``header`` (normalized) stands for, or the header itself."""
        if not header or not header.isascii():
            return header  # the usual header: Japanese, or none
        key = _key(header)
        found = self._whole.get(key)
        if found is None:
            found = next((label for ending, label in self._endings if key.endswith(ending)), None)
        return header if found is None else found


def _key(header: str) -> str:
    return _SEPARATORS.sub("", header).casefold()
