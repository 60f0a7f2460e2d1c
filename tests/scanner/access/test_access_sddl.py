"""SDDL parser and read evaluator: fixtures with expected verdicts, grammar edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scanner.access.sddl import SddlError, effective_readers, map_generic, readers
from scanner.access.sddl_parse import RIGHTS, parse_rights, parse_sddl
from scanner.access.sids import is_broad, resolve_sid, sid_name, token_sids
from scanner.access.windows import exposure_from_sddl

FIXTURES = yaml.safe_load((Path(__file__).parent / "fixtures" / "sddl_cases.yaml").read_text())
DOMAIN: str = FIXTURES["domain_sid"]
CASES: list[dict[str, Any]] = FIXTURES["cases"]


def verdict_for(case: dict[str, Any]):
    if "share_sddl" in case:
        return effective_readers(case["share_sddl"], case["sddl"], domain_sid=DOMAIN)
    return readers(case["sddl"], domain_sid=DOMAIN)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_access_sddl_fixture_verdicts(case: dict[str, Any]) -> None:
    verdict = verdict_for(case)
    assert sorted(verdict.readers) == sorted(case["expect_readers"])
    assert bool(verdict.broad) is case["expect_broad"]
    assert set(verdict.broad) <= set(verdict.readers)
    assert json.loads(json.dumps(verdict.evidence)) == verdict.evidence


def test_access_sddl_every_fixture_has_a_documented_source() -> None:
    readme = (Path(__file__).parent / "fixtures" / "README.md").read_text()
    for case in CASES:
        assert f"`{case['source']}`" in readme, case["name"]


def test_access_sddl_deny_everyone_is_recorded_as_denied() -> None:
    verdict = readers("O:BAG:DUD:(D;;FR;;;WD)(A;;FA;;;WD)")
    assert verdict.readers == [] and verdict.denied == ["S-1-1-0"]
    assert verdict.evidence["names"] == {"S-1-1-0": "Everyone", "S-1-5-32-544": "Administrators"}


def test_access_sddl_null_and_empty_dacl_evidence() -> None:
    assert readers("D:NO_ACCESS_CONTROL").evidence["dacl"] == "null"
    assert readers("O:SY").evidence["dacl"] == "null"
    assert readers("D:P").evidence["dacl"] == "empty"
    assert readers("D:P(A;;FA;;;SY)").evidence["dacl"] == "present"


def test_access_sddl_directory_right_is_list_directory() -> None:
    verdict = readers("D:(A;OICI;0x1200a9;;;BU)", for_directory=True)
    assert verdict.readers == ["S-1-5-32-545"] and verdict.evidence["right"] == "list_directory"


def test_access_sddl_domain_alias_without_domain_sid_is_still_broad() -> None:
    verdict = readers("D:(A;;FR;;;DU)(A;;FR;;;DA)")
    assert verdict.broad == ["S-1-5-21-<domain>-513"]
    assert sid_name("S-1-5-21-<domain>-512") == "Domain Admins"


def test_access_sddl_parses_parts_in_any_order_with_sacl_and_conditions() -> None:
    text = 'S:(AU;SAFA;FA;;;WD)D:AI(XA;;FR;;;WD;(@User.Department == "HR"))(A;ID;FA;;;SY)G:SYO:BA'
    sd = parse_sddl(text)
    assert (sd.owner, sd.group) == ("S-1-5-32-544", "S-1-5-18")
    assert sd.dacl is not None and sd.dacl.flags == "AI"
    assert sd.dacl.aces[0].condition == '(@User.Department == "HR")'
    assert sd.sacl is not None and sd.sacl.aces[0].type == "AU"
    # a conditional allow may apply: counted as a reader (conservative)
    assert readers(text).broad == ["S-1-1-0"]


def test_access_sddl_callback_deny_is_not_trusted_to_apply() -> None:
    verdict = readers('D:(XD;;FR;;;WD;(@User.Clearance < 3))(A;;FR;;;WD)')
    assert verdict.broad == ["S-1-1-0"]


def test_access_sddl_audit_and_label_aces_do_not_grant() -> None:
    assert readers("D:(AU;SA;FR;;;WD)(ML;;NR;;;LW)").readers == []


def test_access_sddl_owner_rights_ace_applies_to_the_owner() -> None:
    sid = "S-1-5-21-1-2-3-1001"
    assert readers(f"O:{sid}D:(A;;FR;;;OW)").readers == [sid]
    assert readers("D:(A;;FR;;;OW)").readers == ["S-1-3-4"]  # owner unknown: keep the SID
    assert "S-1-3-4" in token_sids(sid, owner=sid)
    assert readers(f"O:{sid}D:(D;;FR;;;OW)(A;;FR;;;{sid})").readers == []


@pytest.mark.parametrize(
    "bad",
    ["D:(A;;FR;;WD)", "D:(Q;;FR;;;WD)", "D:(A;ZZ;FR;;;WD)", "D:(A;;FZ;;;WD)", "D:(A;;FR;;;XX)",
     "D:(A;;FR;;;WD", "D:A;;FR;;;WD)", "junkD:(A;;FR;;;WD)", "D:Q(A;;FR;;;WD)", "O:BAO:SY", "hello",
     "D:(A;;0xZZ;;;WD)", "D:(A;;FR;;;WD)x(A;;FR;;;WD)"],
)
def test_access_sddl_rejects_malformed(bad: str) -> None:
    with pytest.raises(SddlError):
        readers(bad)


def test_access_sddl_generic_mapping() -> None:
    assert map_generic(RIGHTS["GR"]) & 0x1
    assert map_generic(RIGHTS["GA"]) & 0x1
    assert not map_generic(RIGHTS["GW"] | RIGHTS["GX"]) & 0x1
    assert parse_rights("FR") == 0x120089 and parse_rights("0x1200A9") == 0x1200A9
    assert parse_rights("1179817") == 0x1200A9


def test_access_sids_aliases_and_broad_set() -> None:
    assert resolve_sid("WD") == "S-1-1-0"
    assert resolve_sid("DU", "S-1-5-21-9-8-7") == "S-1-5-21-9-8-7-513"
    assert resolve_sid("s-1-5-32-544") == "S-1-5-32-544"
    for broad in ("S-1-1-0", "S-1-5-11", "S-1-5-32-545", "S-1-5-32-546", "S-1-5-7", "S-1-5-21-9-8-7-513"):
        assert is_broad(broad)
    for narrow in ("S-1-5-32-544", "S-1-5-18", "S-1-5-21-9-8-7-512", "S-1-5-21-9-8-7-1513"):
        assert not is_broad(narrow)


def test_access_exposure_from_sddl_fills_the_contract() -> None:
    exp = exposure_from_sddl("O:BAG:DUD:(D;;FA;;;BG)(A;;FR;;;AU)", share_sddl="D:(A;;0x1200a9;;;WD)")
    assert exp.owner == "S-1-5-32-544"
    assert exp.readers == ["S-1-5-11"] and exp.world_readable
    assert exp.evidence["denied"] == ["S-1-5-32-546"]
    assert exp.evidence["share_sddl"] == "D:(A;;0x1200a9;;;WD)"


# --- property tests: rendered descriptors parse back, and ACE order decides ---------------

_sids = st.sampled_from(["WD", "AU", "BU", "BG", "BA", "SY", "AN", "S-1-5-21-7-8-9-1105", "S-1-5-21-7-8-9-513"])
_rights = st.sampled_from(["FA", "FR", "FW", "FX", "GR", "GA", "GX", "0x1200a9", "0x1301bf", "CCLC", "RC"])
_flags = st.sampled_from(["", "OI", "CI", "OICI", "ID", "OICIIO", "OICIID"])
_aces = st.tuples(st.sampled_from(["A", "D"]), _flags, _rights, _sids)


@given(st.lists(_aces, max_size=8), st.sampled_from(["", "P", "AI", "PAI"]))
def test_access_sddl_round_trip_of_rendered_aces(aces: list[tuple[str, str, str, str]], dacl_flags: str) -> None:
    text = "O:BAG:SYD:" + dacl_flags + "".join(f"({t};{f};{r};;;{s})" for t, f, r, s in aces)
    sd = parse_sddl(text)
    assert sd.dacl is not None and len(sd.dacl.aces) == len(aces)
    for parsed, (t, f, r, s) in zip(sd.dacl.aces, aces, strict=True):
        assert parsed.type == t and parsed.mask == parse_rights(r) and parsed.sid == resolve_sid(s)
        assert "".join(sorted(parsed.flags)) == "".join(sorted(f[i : i + 2] for i in range(0, len(f), 2)))


@given(st.lists(_aces, max_size=8))
def test_access_sddl_leading_deny_everyone_read_leaves_no_reader(aces: list[tuple[str, str, str, str]]) -> None:
    body = "".join(f"({t};{f};{r};;;{s})" for t, f, r, s in aces)
    verdict = readers("D:(D;;FR;;;WD)" + body)
    assert [r for r in verdict.readers if r != "S-1-5-7"] == []  # Anonymous is not in Everyone by default


@given(st.lists(_aces, max_size=8))
def test_access_sddl_readers_are_only_allowed_sids(aces: list[tuple[str, str, str, str]]) -> None:
    body = "".join(f"({t};{f};{r};;;{s})" for t, f, r, s in aces)
    verdict = readers("D:" + body)
    allowed = {resolve_sid(s) for t, _, _, s in aces if t == "A"}
    assert set(verdict.readers) <= allowed
    assert set(verdict.broad) == {r for r in verdict.readers if is_broad(r)}
