"""Rules as data: the shipped rules load and their examples pass; broken rules are named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules import default_rules_dir
from scanner.detect import RulesError, load_engine

MINIMAL = """\
id: {id}
min_digits: 6
patterns:
  - {{name: six, regex: '{regex}', score: 0.3}}
{extra}
keywords:
  positive: {{番号: 0.5}}
examples:
  positive:
    - {{text: "番号 123456", min_confidence: medium}}
  negative:
    - {{text: "123456", max_confidence: low}}
"""


def _rules_dir(tmp_path: Path, *files: tuple[str, str], with_shipped: bool = False) -> Path:
    detectors = tmp_path / "detectors"
    detectors.mkdir(parents=True)
    if with_shipped:
        for path in (default_rules_dir() / "detectors").glob("*.yaml"):
            shutil.copy(path, detectors / path.name)
    for name, text in files:
        (detectors / name).write_text(text, encoding="utf-8")
    return tmp_path


def _rule(rule_id: str = "six_digits", regex: str = "(?<![0-9])[0-9]{6}(?![0-9])", extra: str = "") -> str:
    return MINIMAL.format(id=rule_id, regex=regex, extra=extra)


def test_detect_rules_shipped_examples_all_pass() -> None:
    engine = load_engine()
    assert engine.run_examples() == []
    assert {"pension_number", "my_number", "birth_date"} <= set(engine.detector_ids)


def test_detect_rules_minimal_rule_loads_and_version_tracks_content(tmp_path: Path) -> None:
    engine = load_engine(_rules_dir(tmp_path, ("six.yaml", _rule())))
    assert engine.detector_ids == ["six_digits"]
    before = engine.version
    (tmp_path / "detectors" / "six.yaml").write_text(_rule() + "\n# changed\n", encoding="utf-8")
    assert load_engine(tmp_path).version != before


def _error(tmp_path: Path, *files: tuple[str, str]) -> RulesError:
    with pytest.raises(RulesError) as info:
        load_engine(_rules_dir(tmp_path, *files))
    return info.value


def test_detect_rules_broken_regex_names_file_and_rule(tmp_path: Path) -> None:
    err = _error(tmp_path, ("bad.yaml", _rule(regex="[0-9")))
    assert (err.file, err.rule_id) == ("bad.yaml", "six_digits")
    assert str(err).startswith("bad.yaml: rule six_digits: ")
    assert "compile" in str(err)


def test_detect_rules_duplicate_id(tmp_path: Path) -> None:
    err = _error(tmp_path, ("a.yaml", _rule()), ("b.yaml", _rule()))
    assert (err.file, err.rule_id) == ("b.yaml", "six_digits")
    assert "duplicate" in str(err)


def test_detect_rules_unknown_validator(tmp_path: Path) -> None:
    err = _error(tmp_path, ("v.yaml", _rule(extra="validator: no_such_check")))
    assert (err.file, err.rule_id) == ("v.yaml", "six_digits")
    assert "no_such_check" in str(err)


def test_detect_rules_failing_example(tmp_path: Path) -> None:
    text = _rule().replace('"123456", max_confidence: low', '"番号 654321", max_confidence: low')
    err = _error(tmp_path, ("ex.yaml", text))
    assert (err.file, err.rule_id) == ("ex.yaml", "six_digits")
    assert "654321" in str(err) and "negative example" in str(err)


def test_detect_rules_word_boundary_is_refused(tmp_path: Path) -> None:
    err = _error(tmp_path, ("wb.yaml", _rule(regex="\\\\b[0-9]{6}\\\\b")))
    assert err.rule_id == "six_digits" and "\\b" in str(err)


def test_detect_rules_unknown_key_and_unknown_recognizer(tmp_path: Path) -> None:
    err = _error(tmp_path, ("k.yaml", _rule(extra="colour: blue")))
    assert "colour" in str(err)
    recognizer = "id: ghost\nkind: recognizer\nrecognizer: nobody\nexamples: {positive: [x], negative: [y]}\n"
    err = _error(tmp_path / "r", ("r.yaml", recognizer))
    assert (err.file, err.rule_id) == ("r.yaml", "ghost") and "nobody" in str(err)


def test_detect_rules_missing_examples_do_not_load(tmp_path: Path) -> None:
    text = _rule().split("examples:")[0]
    err = _error(tmp_path, ("noex.yaml", text))
    assert err.rule_id == "six_digits" and "examples" in str(err)


def test_detect_rules_bad_yaml_and_missing_dir(tmp_path: Path) -> None:
    err = _error(tmp_path, ("y.yaml", "id: [unclosed"))
    assert err.file == "y.yaml"
    with pytest.raises(RulesError):
        load_engine(tmp_path / "nowhere")
    with pytest.raises(RulesError, match="no detector rules"):
        load_engine(_rules_dir(tmp_path / "empty"))


def test_detect_rules_check_examples_false_loads_and_lists_failures(tmp_path: Path) -> None:
    text = _rule().replace('"123456", max_confidence: low', '"番号 654321", max_confidence: low')
    engine = load_engine(_rules_dir(tmp_path, ("ex.yaml", text)), check_examples=False)
    failures = engine.run_examples()
    assert len(failures) == 1
    assert str(failures[0]).startswith("ex.yaml: rule six_digits: negative example '番号 654321'")


def test_detect_rules_column_scope_and_zero_pad_are_checked(tmp_path: Path) -> None:
    column = "  - {name: short, regex: '[0-9]{5}', score: 0.0, scope: column, zero_pad: 6}"
    headers = "headers:\n  positive: {番号: 0.6}"
    assert load_engine(_rules_dir(tmp_path / "ok", ("c.yaml", _rule(extra=column + "\n" + headers))))
    err = _error(tmp_path / "a", ("c.yaml", _rule(extra=column)))
    assert err.rule_id == "six_digits" and "positive headers" in str(err)
    err = _error(tmp_path / "b", ("c.yaml", _rule(extra=column.replace("scope: column, ", "") + "\n" + headers)))
    assert "zero_pad is for scope column" in str(err)
    err = _error(tmp_path / "c", ("c.yaml", _rule(extra=column.replace("scope: column", "scope: row") + "\n" + headers)))
    assert "scope must be one of text, column" in str(err)
    only_column = _rule(extra=headers).replace("score: 0.3}", "score: 0.3, scope: column}")
    err = _error(tmp_path / "d", ("c.yaml", only_column))
    assert "at least one pattern must have scope: text" in str(err)


def test_detect_rules_version_tracks_the_word_lists_too(tmp_path: Path) -> None:
    rules_dir = _rules_dir(tmp_path, ("six.yaml", _rule()))
    without = load_engine(rules_dir).version
    (rules_dir / "dictionaries").mkdir()
    words = rules_dir / "dictionaries" / "surnames.tsv"
    words.write_text("山田\tヤマダ\n", encoding="utf-8")
    with_list = load_engine(rules_dir).version
    words.write_text("山田\tヤマダ\n佐藤\tサトウ\n", encoding="utf-8")
    assert len({without, with_list, load_engine(rules_dir).version}) == 3


def test_detect_rules_version_tracks_the_extraction_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.detect as detect

    rules_dir = _rules_dir(tmp_path, ("six.yaml", _rule()))
    before = load_engine(rules_dir).version
    monkeypatch.setattr(detect, "EXTRACTION_VERSION", detect.EXTRACTION_VERSION + 1)
    assert load_engine(rules_dir).version != before  # a new reader reads every known file again
