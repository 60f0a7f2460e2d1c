"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no links out."""

from __future__ import annotations

from html import escape
from typing import Any

from .svg import SEVERITY_COLOURS, hbar_chart, line_chart

_CSS = """
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Meiryo",system-ui,sans-serif;margin:24px 32px;color:#1f2328;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;font-size:13px}.kpis{display:flex;gap:16px;margin:18px 0;flex-wrap:wrap}
.kpi{border:1px solid #d0d7de;border-radius:8px;padding:12px 18px;min-width:150px}
.kpi .n{font-size:30px;font-weight:700}.kpi .t{color:#57606a;font-size:13px}.kpi.alert .n{color:#cf222e}
.grid{display:flex;gap:32px;flex-wrap:wrap}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left}th{background:#f6f8fa}td.num{text-align:right}
svg .label,svg .tick{font-size:12px;fill:#57606a}svg .value{font-size:12px;font-weight:700;fill:#1f2328}
svg .axis{stroke:#8c959f}svg .trend{fill:none;stroke:#cf222e;stroke-width:2.5}svg .area{fill:#cf222e22}
svg .dot{fill:#cf222e}.empty{color:#57606a;font-style:italic}
"""


def _kpi(key: str, label: str, value: Any, alert: bool = False) -> str:
    return (f'<div class="kpi{" alert" if alert else ""}"><div class="n" id="kpi-{key}">{value}</div>'
            f'<div class="t">{escape(label)}</div></div>')


def _table(table_id: str, headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return f'<p class="empty" id="{table_id}">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{v}</td>' if isinstance(v, int) else f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows)
    return f'<table id="{table_id}"><tr>{head}</tr>{body}</table>'


def _section(title: str, *content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{''.join(content)}</section>"


def render_html(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    filters = ", ".join(f"{k}={v}" for k, v in doc["filters"].items()) or "none"
    kpis = "".join([
        _kpi("open", "open violations", s["open"], alert=s["open"] > 0),
        _kpi("past-due", "past due", s["past_due"], alert=s["past_due"] > 0),
        _kpi("records", "distinct pension records exposed", s["records_exposed"]),
        _kpi("files", "files exposing them", s["files_exposing"]),
        _kpi("oldest", "days the oldest has been open", s["oldest_days"]),
    ])
    trend = [(p["day"], p["open"]) for p in doc["trend"]]
    folders = [(f"{f['host']}:{f['folder']}", f["open"]) for f in doc["top_folders"]]
    progress = [[day, *(states.get(k, 0) for k in _PROGRESS_STATES)] for day, states in doc["progress"].items()]
    sweeps = [[w["id"], w["host"], w["kind"], w["started_at"][:19], ", ".join(w["roots"])[:120], w["files"],
               w["problems"], w["ended"], "yes" if w["signed"] else "no"] for w in doc["sweeps"]]
    body = "".join([
        '<h1>Pension PII register report</h1>',
        f'<div class="meta">generated {escape(doc["generated_at"][:19])} UTC · filters: {escape(filters)}</div>',
        f'<div class="kpis">{kpis}</div>',
        _section("Open violations, last days", line_chart("chart-trend", trend)),
        '<div class="grid">',
        _section("By severity", hbar_chart("chart-severity", list(doc["open_by_severity"].items()),
                                           colours=SEVERITY_COLOURS, width=420, label_width=100)),
        _section("By zone", hbar_chart("chart-zone", list(doc["open_by_zone"].items()), width=420, label_width=100)),
        _section("By policy", hbar_chart("chart-policy", list(doc["open_by_policy"].items()), width=560)),
        '</div>',
        _section("Top folders", hbar_chart("chart-folders", folders, width=880, label_width=420)),
        '<div class="grid">',
        _section("Ageing of open violations", _table("table-ageing", ["open for", "violations"],
                                                     [[k, v] for k, v in doc["ageing"].items()])),
        _section("All violations by state", _table("table-states", ["state", "violations"],
                                                   [[k, v] for k, v in doc["by_state"].items()])),
        _section("By host", _table("table-hosts", ["host", "open"], [[k, v] for k, v in doc["open_by_host"].items()])),
        '</div>',
        _section("Remediation progress (events per day)",
                 _table("table-progress", ["day", *_PROGRESS_STATES], progress)),
        _section("Coverage of the last sweeps",
                 _table("table-sweeps", ["sweep", "host", "kind", "started (UTC)", "roots", "files", "problems",
                                         "ended", "signed"], sweeps)),
    ])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>pii-agent report</title><style>{_CSS}</style></head><body>{body}</body></html>\n')


_PROGRESS_STATES = ("open", "acknowledged", "remediation_claimed", "verified", "reopened", "accepted_risk",
                    "false_positive", "closed")
