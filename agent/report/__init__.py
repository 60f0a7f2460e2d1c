"""`pii-agent report`: the register's state in numbers (build.py), written as a table,
CSV, JSON (formats.py) or one self-contained HTML page with inline SVG charts (html.py)."""

from .build import build_report
from .formats import CSV_COLUMNS, write_report

__all__ = ["CSV_COLUMNS", "build_report", "write_report"]
