"""Store side of re-judging: batches, dry runs, recorded changes, exposure digests (both backends)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agent.policy import Policy, Requirement
from agent.policy_diff import compare
from agent.stored_facts import policy_facts
from scanner.model import Confidence
from store import FileFacts, FindingRow, Store, ViolationDecision
from store.digests import exposure_digest
from store.policy_changes import StoredFile

HOST = "pc-0001"


def _facts(path: str, zone: str = "local", records: int = 1) -> FileFacts:
    return FileFacts(host=HOST, path=path, zone=zone, size=10, mtime_ns=1, inode=1, outcome="findings",
                     pension_records=records, exposure={"broad_principals": [], "world_readable": False})


def _finding(value: str, confidence: int = 2) -> FindingRow:
    return FindingRow(detector="pension_number", value_hash=hashlib.sha256(value.encode()).hexdigest(),
                      masked="0000-****00", confidence=confidence, score=0.6)


def _judge_at_least(records: int, version: str) -> Any:
    def judge(stored: StoredFile) -> list[ViolationDecision]:
        if stored.pension_records < records or not stored.findings:
            return []
        return [ViolationDecision("local-disk-forbidden", version, "high", {"records": stored.pension_records})]

    return judge


def _seed(store: Store, files: int) -> None:
    sweep = store.begin_sweep(host=HOST, roots=["/pc"], rules_version="r", policy_versions={"local-disk-forbidden": "1"})
    with store.batch():
        for i in range(files):
            decision = ViolationDecision("local-disk-forbidden", "1", "high", {})
            store.record_scan(sweep, _facts(f"/pc/f{i:03}.csv", records=i % 3), [_finding(f"v{i}")], [decision])


def test_rejudge_in_small_batches_opens_keeps_and_closes(db_store: Store) -> None:
    _seed(db_store, 25)
    dry = db_store.rejudge_stored(_judge_at_least(2, "2"), label="test", dry_run=True, batch_size=4)
    assert db_store.open_violation_count() == 25  # a dry run writes nothing
    real = db_store.rejudge_stored(_judge_at_least(2, "2"), label="test", batch_size=4)
    assert real.files_judged == dry.files_judged == 25
    # records = i % 3: files 0,1 of each three close, file 2 stays (kept under version 2)
    assert len(real.closed) == len(dry.closed) == 17 and real.kept == 8 and real.opened == []
    assert {c.violation_id for c in real.closed} == {c.violation_id for c in dry.closed}
    assert db_store.open_violation_count() == 8
    change = db_store.record_policy_change(actor="t", host=None, old_versions={"local-disk-forbidden": "1"},
                                           new_versions={"local-disk-forbidden": "2"}, result=real)
    assert db_store.last_policy_versions(HOST) == {"local-disk-forbidden": "2"}
    assert db_store.recent_policy_changes()[0]["id"] == change
    assert db_store.recent_policy_changes()[0]["closed"] == {"local-disk-forbidden": 17}


def test_stored_file_carries_findings_and_exposure(db_store: Store) -> None:
    _seed(db_store, 2)
    stored = db_store.stored_file(HOST, "/pc/f001.csv")
    assert stored is not None and stored.pension_records == 1 and len(stored.findings) == 1
    assert db_store.stored_file(HOST, "/pc/none.csv") is None
    digests = db_store.exposure_digests(HOST, ["/pc"])
    assert digests["/pc/f001.csv"] == exposure_digest({"world_readable": False, "broad_principals": []})
    sweep = db_store.begin_sweep(host=HOST, roots=["/pc"], rules_version="r1", policy_versions={})
    opened = {"world_readable": True, "broad_principals": ["others"]}
    db_store.update_exposure(sweep, HOST, "/pc/f001.csv", opened, [])
    assert db_store.exposure_digests(HOST, ["/pc"])["/pc/f001.csv"] == exposure_digest(opened)  # kept in step


def test_policy_facts_from_stored_file_keep_best_confidence_and_take_fresh_exposure() -> None:
    stored = StoredFile(file_id=1, host=HOST, path="/p", zone="shared", outcome="findings", encrypted=False,
                        world_readable=False, pension_records=2, exposure={"broad_principals": []},
                        findings=[("pension_number", "h1", 1), ("pension_number", "h1", 3), ("my_number", "h2", 2)])
    facts = policy_facts(stored)
    assert facts.detections == {"pension_number": {"h1": 3}, "my_number": {"h2": 2}}
    assert facts.count("pension_number", Confidence.HIGH) == 1 and not facts.world_readable
    fresh = policy_facts(stored, {"broad_principals": ["others"], "world_readable": True})
    assert fresh.world_readable and fresh.broad_principals == ["others"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                         max_size=3), max_leaves=10)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_exposure_digest_survives_a_json_round_trip_and_key_order(doc: dict[str, Any]) -> None:
    again = json.loads(json.dumps(doc))
    reordered = dict(reversed(list(again.items())))
    assert exposure_digest(doc) == exposure_digest(again) == exposure_digest(reordered)


@given(st.dictionaries(st.text(max_size=6), st.integers(), min_size=1, max_size=5), st.integers())
def test_exposure_digest_changes_with_a_value(doc: dict[str, int], delta: int) -> None:
    key = next(iter(doc))
    changed = {**doc, key: doc[key] + (delta or 1)}
    assert exposure_digest(changed) != exposure_digest(doc)


def _policy(version: str = "1@aaaa", **changes: Any) -> Policy:
    base: dict[str, Any] = dict(id="p", version=version, description="d", zones=("local",),
                                any_of=(Requirement("pension_number", Confidence.MEDIUM),), min_records=0,
                                violation_when={}, severity_steps=((0, "medium"),))
    base.update(changes)
    return Policy(**base)


def test_compare_names_added_removed_changed_and_fields() -> None:
    old = [_policy(), _policy(id="gone")]
    new = [_policy("2@bbbb", min_records=2, zones=("local", "shared")), _policy(id="fresh")]
    deltas = {d.policy_id: d for d in compare(old, new)}
    assert deltas["gone"].status == "removed" and deltas["fresh"].status == "added"
    assert deltas["p"].status == "changed"
    assert deltas["p"].fields == {"zones": (["local"], ["local", "shared"]), "min_records": (0, 2)}
    assert compare([_policy()], [_policy()])[0].status == "same"
