"""Log lines never carry a number a path happens to hold."""

from __future__ import annotations

from agent.logs import mask_numbers


def test_long_numbers_in_every_logged_string_are_masked() -> None:
    event = {
        "event": "file_findings",
        "path": "/share/2024年度/年金手帳_1234-567890_山田.pdf",
        "roots": ["/share/１２３４－５６７８９０", "/share/123456789012.csv"],
        "changed": {"a": ["/x/1234 567890.txt"]},
        "pension_records": 3,
        "rules_version": "9f86d08188f7e12345678b0a",
    }
    out = mask_numbers(None, "info", event)
    assert out["path"] == "/share/2024年度/年金手帳_####-######_山田.pdf"  # a year stays readable
    assert out["roots"] == ["/share/####－######", "/share/############.csv"]
    assert out["changed"] == {"a": ["/x/#### ######.txt"]}
    assert out["pension_records"] == 3 and out["event"] == "file_findings"
    assert out["rules_version"] == event["rules_version"]  # a digest, not a number
