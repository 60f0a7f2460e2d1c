"""The collector settings of batch work (agent/heap.py) and of the console script."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

from agent import heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_batch_work_freezes_the_loaded_heap_and_restores_the_collector() -> None:
    before = gc.get_threshold()
    loaded = _Node()
    with heap.batch_work():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, heap.OLDER_THRESHOLD, heap.OLDER_THRESHOLD)
        assert gc.isenabled()
        made_during = _Node()
        during = weakref.ref(made_during)
        del made_during
        gc.collect()
        assert during() is None  # cycles made in the block are still collected
        frozen = weakref.ref(loaded)
        del loaded
        gc.collect()
        assert frozen() is not None  # what was alive before the block is frozen: not collected
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    gc.collect()
    assert frozen() is None  # unfrozen, the collector frees it again


def test_batch_work_restores_the_collector_when_the_sweep_raises() -> None:
    before = gc.get_threshold()
    try:
        with heap.batch_work():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_the_console_script_raises_the_threshold_before_loading_the_command_line() -> None:
    probe = ("import gc, sys, agent.__main__ as entry\n"
             "sys.argv = ['pii-agent', '--help']\n"
             "import agent.heap\n"
             "assert 'agent.cli' not in sys.modules\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "print(gc.get_threshold()[0], 'agent.cli' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split()[-2:] == [str(heap.YOUNG_THRESHOLD), "True"]  # after the help text
