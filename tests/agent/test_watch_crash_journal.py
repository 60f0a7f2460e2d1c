"""A file that crashed the agent is not read again after the restart (no crash loop)."""

from __future__ import annotations

import json
import os

import pytest
from test_watch_harness import Agent, roster_bytes

from agent.watch.journal import ScanJournal
from scanner.model import FileRef


@pytest.fixture
def agent(tmp_path):
    a = Agent(tmp_path)
    yield a
    a.stop()


def test_journal_round_trip_and_torn_entries(tmp_path):
    journal = ScanJournal(tmp_path / "scanning")
    path = tmp_path / "x.csv"
    path.write_bytes(b"abc")
    st = path.stat()
    journal.begin(FileRef(os.fsencode(path) + b"\xff", st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, b"/"))
    (tmp_path / "scanning" / "torn.json").write_text("{", encoding="ascii")
    (left,) = journal.leftovers()
    assert left.raw_path == os.fsencode(path) + b"\xff" and left.size == 3
    assert journal.leftovers() == []  # read once, then gone
    journal.begin(FileRef(os.fsencode(path), 3, 0, 0, 0, b"/"))
    journal.end()
    assert journal.leftovers() == []


def test_a_file_the_last_process_died_on_is_recorded_and_not_read_again(agent):
    crasher = agent.tree / "crasher.csv"
    crasher.write_bytes(roster_bytes(seed=9))
    st = crasher.stat()
    scanning = agent.status_file.with_name("scanning")
    scanning.mkdir()
    (scanning / "4242-1.json").write_text(json.dumps(
        {"path": os.fsencode(crasher).hex(), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}),
        encoding="ascii")
    agent.start()  # waits for the startup walk
    rows = agent.query("select outcome, reason from files where path = ?", str(crasher))
    assert rows and rows[0][0] == "unsupported" and "died while reading" in rows[0][1]
    assert agent.events("scan_crashed", crasher)
    assert not agent.events("scan_started", crasher)  # not read again, neither by events
    assert not agent.events("file_findings", crasher)  # nor by the startup walk
    assert list(scanning.iterdir()) == []
