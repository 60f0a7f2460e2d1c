"""The one error a broken rule set raises."""

from __future__ import annotations


class RulesError(Exception):
    """A rule file is wrong. The message reads ``<file>: rule <id>: <what is wrong>``."""

    def __init__(self, file: str, rule_id: str | None, problem: str) -> None:
        self.file = file
        self.rule_id = rule_id
        self.problem = problem
        super().__init__(f"{file}: rule {rule_id or '?'}: {problem}")
