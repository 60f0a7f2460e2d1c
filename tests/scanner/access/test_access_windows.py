"""windows_exposure with a stand-in for pywin32 (the real one exists only on Windows)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import scanner.access as access
from scanner.access.windows import windows_exposure

PROFILE_FILE_SDDL = "O:BAG:DUD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)"


@pytest.fixture
def fake_pywin32(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    calls: list[tuple[str, int]] = []
    module = types.ModuleType("win32security")
    module.OWNER_SECURITY_INFORMATION = 1  # type: ignore[attr-defined]
    module.GROUP_SECURITY_INFORMATION = 2  # type: ignore[attr-defined]
    module.DACL_SECURITY_INFORMATION = 4  # type: ignore[attr-defined]
    module.SDDL_REVISION_1 = 1  # type: ignore[attr-defined]

    def get_file_security(path: str, info: int) -> str:
        calls.append((path, info))
        return "descriptor"

    module.GetFileSecurity = get_file_security  # type: ignore[attr-defined]
    module.ConvertSecurityDescriptorToStringSecurityDescriptor = (  # type: ignore[attr-defined]
        lambda sd, rev, info: PROFILE_FILE_SDDL
    )
    monkeypatch.setitem(sys.modules, "win32security", module)
    return calls


def test_access_windows_exposure_reads_owner_group_and_dacl(fake_pywin32, tmp_path: Path) -> None:
    target = tmp_path / "名簿.xlsx"
    target.write_bytes(b"fake")
    exp = windows_exposure(bytes(target), share_sddl="D:(A;;FA;;;WD)")
    assert fake_pywin32 == [(str(target), 7)]
    assert exp.readers == ["S-1-5-18", "S-1-5-32-544", "S-1-5-32-545"]
    assert exp.broad_principals == ["S-1-5-32-545"] and exp.owner == "S-1-5-32-544"
    assert exp.evidence["sddl"] == PROFILE_FILE_SDDL and exp.evidence["right"] == "read_data"


def test_access_exposure_for_dispatches_to_windows(fake_pywin32, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(access, "_on_windows", lambda: True)
    target = tmp_path / "a.csv"
    target.write_bytes(b"fake")
    exp = access.exposure_for(bytes(target), bytes(tmp_path))
    assert exp.world_readable and "sddl" in exp.evidence
