from pathlib import Path

import pytest

from agent.settings import ConfigError, Settings, ZoneRule, load, setting_docs
from agent.settings_doc import sample_config

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_help_and_is_in_the_sample_config():
    sample = (ROOT / "deploy" / "pii-agent.yaml.sample").read_text(encoding="utf-8")
    assert sample == sample_config(), "regenerate: pii-agent config sample > deploy/pii-agent.yaml.sample"
    for name, (_default, help_text) in setting_docs().items():
        assert len(help_text) > 15, name
        assert f"# {name}:" in sample


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in setting_docs() if f"`{name}`" not in readme]
    assert not missing, f"settings not in README: {missing}"


def test_defaults_then_file_then_flags(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("workers: 3\nreport_threshold: high\nzones:\n  - {zone: shared, path: /srv/s}\n", encoding="utf-8")
    s = load(cfg)
    assert (s.workers, s.report_threshold, s.zones) == (3, "high", [ZoneRule("shared", "/srv/s")])
    t = s.with_overrides(workers=1, report_threshold=None)
    assert (t.workers, t.report_threshold) == (1, "high")
    assert Settings().workers == 0


@pytest.mark.parametrize("text, fragment", [
    ("wokers: 3\n", "unknown setting(s): wokers"),
    ("workers: many\n", "workers must be a whole number"),
    ("report_threshold: sure\n", "report_threshold"),
    ("zones: [{zone: shared}]\n", "zones[0] needs 'zone' and 'path'"),
    ("- a\n- b\n", "must be a mapping"),
    ("workers: [\n", "not valid YAML"),
])
def test_broken_config_names_the_problem(tmp_path, text, fragment):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(cfg)
    assert fragment in str(err.value)
    assert str(cfg) in str(err.value)


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load(tmp_path / "nope.yaml")
