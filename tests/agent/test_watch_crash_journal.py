"""A file that crashed the agent twice is not read again after the restart (no crash loop);
one death (somebody's kill -9) only makes it a suspect."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_watch_harness import Agent, roster_bytes, wait_for

from agent.watch.journal import Leftover, ScanJournal
from scanner.model import FileRef


@pytest.fixture
def agent(tmp_path):
    a = Agent(tmp_path)
    yield a
    a.stop()


def _ref(path: Path) -> FileRef:
    st = path.stat()
    return FileRef(os.fsencode(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, b"/")


def _die_while_reading(folder: Path, path: Path) -> None:
    """What a process that dies mid-read leaves behind."""
    ref = _ref(path)
    left = Leftover(ref.raw_path, ref.size, ref.mtime_ns, ref.inode)
    (folder / f"{os.getpid() + 1}-7.json").write_text(json.dumps(left.to_json()), encoding="ascii")


@pytest.fixture
def died_once(tmp_path):
    """A journal folder holding what one process that died reading x.csv left behind."""
    folder = tmp_path / "scanning"
    path = tmp_path / "x.csv"
    path.write_bytes(b"abc")
    ScanJournal(folder)
    _die_while_reading(folder, path)
    return folder, path


def test_one_death_makes_a_suspect_two_make_a_quarantine(died_once):
    folder, path = died_once
    (folder / "1-2.json").write_text("{", encoding="ascii")  # a torn write is ignored
    assert ScanJournal(folder).quarantine() == []  # first death: read it again
    _die_while_reading(folder, path)
    (twice,) = ScanJournal(folder).quarantine()
    assert twice.raw_path == os.fsencode(path) and twice.size == 3
    assert list(folder.glob("*-*.json")) == []


def test_a_finished_read_clears_the_suspicion(died_once):
    folder, path = died_once
    journal = ScanJournal(folder)
    assert journal.quarantine() == []
    journal.begin(_ref(path))
    journal.end(_ref(path))  # this time the read went through
    _die_while_reading(folder, path)
    assert ScanJournal(folder).quarantine() == []  # a suspect again, not quarantined


def test_a_file_the_agent_died_on_twice_is_recorded_and_not_read_again(agent):
    crasher = agent.tree / "crasher.csv"
    crasher.write_bytes(roster_bytes(seed=9))
    folder = agent.status_file.with_name("scanning")
    folder.mkdir()
    _die_while_reading(folder, crasher)
    assert ScanJournal(folder).quarantine() == []  # the first death, seen by an earlier start
    _die_while_reading(folder, crasher)
    agent.start()  # waits for the startup walk
    rows = agent.query("select outcome, reason from files where path = ?", str(crasher))
    assert rows and rows[0][0] == "unsupported" and "died twice while reading" in rows[0][1]
    assert agent.events("scan_crashed", crasher)
    assert not agent.events("scan_started", crasher)  # not read again, neither by events
    assert not agent.events("file_findings", crasher)  # nor by the startup walk


def test_one_death_is_read_again(agent):
    roster = agent.tree / "roster.csv"
    roster.write_bytes(roster_bytes(seed=10))
    folder = agent.status_file.with_name("scanning")
    folder.mkdir()
    _die_while_reading(folder, roster)  # e.g. kill -9 by an administrator
    agent.start()
    wait_for(lambda: agent.open_violations(roster), 15, "the roster's violation")
    assert not agent.events("scan_crashed", roster)
