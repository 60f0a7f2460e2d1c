"""Cross-check the SDDL evaluator against Samba's own access check.

Debian's python3-samba installs for the system interpreter, not the venv, so the check
runs in one ``/usr/bin/python3`` subprocess per test (all descriptors in one batch).
Each principal is given the same minimal token our evaluator assumes
(scanner.access.sids.token_sids) and asked for FILE_READ_DATA (0x1).

Known, deliberate differences (those descriptors are not sent to Samba):
- A descriptor with no DACL at all: Windows grants everyone ("Null DACLs and Empty
  DACLs"); Samba's se_access_check only grants when the DACL-present flag is set. The
  helper sets that flag, i.e. checks the documented Windows meaning.
- ``D:NO_ACCESS_CONTROL`` and conditional ACEs (XA/XD): Samba 4.17 cannot parse them.
- Object ACEs (OA/OD): Samba's file access check ignores them; MS-DTYP 2.5.3.2 applies
  an object ACE without an object type to the whole object, as our evaluator does.
- Generic rights (GR, GA ...) in an ACE: we map them with the file generic mapping, as
  Windows does when an ACL is set on a file; an access check on an unmapped ACE (Samba,
  and the Windows kernel alike) ignores them. The descriptors sent to Samba are first
  rewritten with mapped masks (``mapped_sddl``), so only the evaluation is compared.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.access.sddl import can_read, candidates, denied_sids, map_generic
from scanner.access.sddl_parse import Acl, parse_sddl
from scanner.access.sids import CREATOR_GROUP, CREATOR_OWNER, OWNER_RIGHTS, resolve_sid, token_sids

SYSTEM_PYTHON = "/usr/bin/python3"
DOMAIN = "S-1-5-21-1111111111-2222222222-3333333333"
PROBES = ["WD", "AU", "BU", "BG", "AN", "SY", "BA", "IU", "DU", "DA", f"{DOMAIN}-1001", f"{DOMAIN}-1105"]

SAMBA_CHECK = r"""
import json, sys
from samba.dcerpc import security
from samba.security import access_check
from samba import NTSTATUSError

DACL_PRESENT = 0x0004
out = []
for job in json.load(sys.stdin):
    sd = security.descriptor.from_sddl(job["sddl"], security.dom_sid(job["domain"]))
    if sd.dacl is None:
        sd.type |= DACL_PRESENT  # Windows: no DACL means everyone; say so explicitly
    verdicts = []
    for sids in job["tokens"]:
        token = security.token()
        token.sids = [security.dom_sid(s) for s in sids]
        token.num_sids = len(sids)
        try:
            verdicts.append(bool(access_check(sd, token, 0x1) & 0x1))
        except NTSTATUSError:
            verdicts.append(False)
    out.append(verdicts)
json.dump(out, sys.stdout)
"""


def _samba_available() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import samba.security"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _samba_available(), reason="python3-samba not installed for /usr/bin/python3 (apt-get install python3-samba)"
)


def samba_verdicts(jobs: list[dict[str, Any]]) -> list[list[bool]]:
    done = subprocess.run([SYSTEM_PYTHON, "-c", SAMBA_CHECK], input=json.dumps(jobs), capture_output=True,
                          text=True, timeout=60, check=True)
    result: list[list[bool]] = json.loads(done.stdout)
    return result


def mapped_sddl(sddl: str) -> str:
    """The same descriptor with every ACE mask written as hex, generic bits mapped."""
    sd = parse_sddl(sddl, DOMAIN)
    text = (f"O:{sd.owner}" if sd.owner else "") + (f"G:{sd.group}" if sd.group else "")
    return text + (f"D:{_acl_text(sd.dacl)}" if sd.dacl else "")


def _acl_text(acl: Acl) -> str:
    aces = "".join(
        f"({a.type};{''.join(sorted(a.flags))};0x{map_generic(a.mask) & 0x0FFFFFFF:x};"
        f"{a.object_guid};{a.inherit_object_guid};{a.sid})"
        for a in acl.aces
    )
    return acl.flags + aces


def probe_sids(sddl: str) -> list[str]:
    sd = parse_sddl(sddl, DOMAIN)
    pool = [*candidates(sd), *denied_sids(sd), *(resolve_sid(p, DOMAIN) for p in PROBES)]
    if sd.owner:
        pool.append(sd.owner)
    skip = {OWNER_RIGHTS, CREATOR_OWNER, CREATOR_GROUP}
    return [s for s in dict.fromkeys(pool) if s not in skip]


def compare(descriptors: list[str]) -> list[str]:
    """Run every descriptor through both evaluators; describe each disagreement."""
    jobs, ours = [], []
    for sddl in descriptors:
        sd = parse_sddl(sddl, DOMAIN)
        sids = probe_sids(sddl)
        # OWNER RIGHTS is Samba's to infer from the owner SID, so it is left out of the token
        tokens = [sorted(token_sids(s) - {OWNER_RIGHTS}) for s in sids]
        jobs.append({"sddl": mapped_sddl(sddl), "domain": DOMAIN, "tokens": tokens})
        ours.append([(s, can_read(sd, s)) for s in sids])
    mismatches = []
    for sddl, mine, theirs in zip(descriptors, ours, samba_verdicts(jobs), strict=True):
        for (sid, verdict), samba in zip(mine, theirs, strict=True):
            if verdict != samba:
                mismatches.append(f"{sddl}: {sid} ours={verdict} samba={samba}")
    return mismatches


def _comparable(sddl: str) -> bool:
    return "NO_ACCESS_CONTROL" not in sddl and not any(t in sddl for t in ("(XA;", "(XD;", "(OA;", "(OD;"))


def test_access_sddl_fixtures_agree_with_samba() -> None:
    cases = yaml.safe_load((Path(__file__).parent / "fixtures" / "sddl_cases.yaml").read_text())["cases"]
    descriptors = [c[k] for c in cases for k in ("sddl", "share_sddl") if k in c]
    chosen = [d for d in dict.fromkeys(descriptors) if _comparable(d)]
    assert len(chosen) >= 25
    assert compare(chosen) == []


def test_access_sddl_random_descriptors_agree_with_samba() -> None:
    rng = random.Random(20150601)
    sids = ["WD", "AU", "BU", "BG", "AN", "BA", "SY", "DU", "OW", "CO", f"{DOMAIN}-1105", f"{DOMAIN}-1001"]
    rights = ["FA", "FR", "FW", "FX", "GR", "GA", "GX", "GW", "0x1200a9", "0x1301bf", "CC", "LCRP", "RC"]
    flags = ["", "", "OI", "CI", "OICI", "ID", "IO", "OICIIO", "OICIID"]
    descriptors = []
    for _ in range(300):
        aces = "".join(
            f"({rng.choice('AAD')};{rng.choice(flags)};{rng.choice(rights)};;;{rng.choice(sids)})"
            for _ in range(rng.randint(0, 7))
        )
        owner = rng.choice(["BA", f"{DOMAIN}-1001", "SY"])
        descriptors.append(f"O:{owner}G:DUD:{rng.choice(['', 'P', 'AI'])}{aces}")
    assert compare(descriptors) == []
