from pathlib import Path

import pytest

from agent.policy import PolicyError, PolicyFacts, evaluate, load_policies
from rules import default_rules_dir
from scanner.model import Confidence

POLICIES = load_policies(default_rules_dir())
M, H, L = int(Confidence.MEDIUM), int(Confidence.HIGH), int(Confidence.LOW)


def facts(zone, n=1, conf=M, encrypted=False, world=False, records=0):
    return PolicyFacts(zone=zone, encrypted=encrypted, world_readable=world, pension_records=records,
                       detections={"pension_number": {f"h{i}": conf for i in range(n)}})


def ids(decisions):
    return sorted(d.policy_id for d in decisions)


def test_default_policies_are_the_three_of_the_domain():
    assert sorted(p.id for p in POLICIES) == [
        "local-disk-forbidden", "shared-requires-access-restriction", "shared-requires-password"]
    assert all("@" in p.version for p in POLICIES)


def test_shared_plain_world_readable_file_violates_both_shared_policies():
    assert ids(evaluate(POLICIES, facts("shared", world=True))) == [
        "shared-requires-access-restriction", "shared-requires-password"]


def test_encrypted_restricted_shared_file_is_fine():
    assert evaluate(POLICIES, facts("shared", encrypted=True)) == []


def test_local_file_with_pension_pii_violates():
    assert ids(evaluate(POLICIES, facts("local"))) == ["local-disk-forbidden"]


def test_low_confidence_is_not_pension_pii():
    assert evaluate(POLICIES, facts("local", conf=L)) == []


@pytest.mark.parametrize("records, severity", [(0, "medium"), (1, "medium"), (2, "high"), (99, "high"), (100, "critical")])
def test_severity_follows_records(records, severity):
    (d,) = evaluate(POLICIES, facts("local", records=records))
    assert d.severity == severity


def test_without_records_severity_counts_distinct_numbers():
    (d,) = evaluate(POLICIES, facts("local", n=150))
    assert d.severity == "critical"


def test_broken_policy_names_file_and_id(tmp_path: Path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "x.yaml").write_text("id: x\nversion: 1\nzones: [shared]\npii: {any_of: []}\n")
    with pytest.raises(PolicyError, match=r"x.yaml: policy x: pii.any_of"):
        load_policies(tmp_path)


def test_version_changes_with_content_even_if_not_bumped(tmp_path: Path):
    (tmp_path / "policies").mkdir()
    src = (default_rules_dir() / "policies" / "local-disk-forbidden.yaml").read_text(encoding="utf-8")
    (tmp_path / "policies" / "l.yaml").write_text(src, encoding="utf-8")
    v1 = load_policies(tmp_path)[0].version
    (tmp_path / "policies" / "l.yaml").write_text(src.replace("{min: 2, severity: high}", "{min: 3, severity: high}"),
                                                  encoding="utf-8")
    v2 = load_policies(tmp_path)[0].version
    assert v1 != v2 and v1.split("@")[0] == v2.split("@")[0]
