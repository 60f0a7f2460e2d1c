"""The HTML report (issue 7): self-contained, and read back from a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.report import build_report, write_report
from agent.report.html import render_html
from store import FileFacts, FindingRow, Store, ViolationDecision

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOST = "pc-0001"


def _finding(n: int) -> FindingRow:
    value = f"5{n:09d}"
    return FindingRow("pension_number", f"h{value}", f"{value[:4]}-****{value[-2:]}", 3, 0.9, "B2", f"row {n}")


def _register(url: str) -> Store:
    store = Store.open(url)
    sweep = store.begin_sweep(host=HOST, roots=["/srv/share", "/home/pc"], rules_version="r1", policy_versions={})
    layout = [("/srv/share/総務課/名簿{}.csv", "shared", "high", 4), ("/srv/share/経理/給与{}.xlsx", "shared", "medium", 2),
              ("/home/pc/Documents/台帳{}.csv", "local", "low", 1)]
    n = 0
    for pattern, zone, severity, files in layout:
        for i in range(files):
            path = pattern.format(i)
            store.record_scan(sweep, FileFacts(HOST, path, zone, 10, 1, n + 1, "findings"),
                              [_finding(n + k) for k in range(5)],
                              [ViolationDecision("p-" + zone, "1", severity)])
            n += 5
    store.finish_sweep(sweep, counts={"findings": 7, "clean": 120, "unreadable": 2})
    store.acknowledge(1, "team", due_at=datetime.now(UTC) - timedelta(days=2))
    store.claim_remediation(2, "owner", method="deleted")
    return store


def test_html_is_self_contained_and_escapes_paths(tmp_path: Path) -> None:
    store = _register(f"sqlite:///{tmp_path / 'r.db'}")
    doc = build_report(store)
    store.close()
    doc["top_folders"].append({"host": HOST, "folder": "/srv/<script>alert(1)</script>", "open": 1})
    page = render_html(doc)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # no external assets
    assert page.count("<svg") == 5


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (CI installs Debian's chromium)")
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    store = _register(f"sqlite:///{tmp_path / 'r.db'}")
    doc = build_report(store)
    store.close()
    page = tmp_path / "report.html"
    with page.open("w", encoding="utf-8") as out:
        write_report(doc, "html", out)
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert re.search(r'id="kpi-open">7<', dom)
    assert re.search(r'id="kpi-records">35<', dom)  # 7 files x 5 distinct records
    assert re.search(r'id="kpi-past-due">1<', dom)
    for chart in ("chart-trend", "chart-severity", "chart-zone", "chart-policy", "chart-folders"):
        assert f'id="{chart}"' in dom
    assert re.search(r'data-key="high">4<', dom) and re.search(r'data-key="local">1<', dom)
    assert "/srv/share/総務課" in dom
    shot = Path(os.environ.get("PII_AGENT_REPORT_SCREENSHOT", tmp_path / "report.png"))
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert shot.stat().st_size > 10_000  # a real picture, not a blank page


def _chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
