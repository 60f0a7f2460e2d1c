"""Staying out of the user's way: lower CPU/I/O priority, a read rate limit, pausing.

Everything here is best effort and logged: a platform that cannot lower a priority
must not stop the agent from running.
"""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .. import logs

# ioprio_set(2): which = IOPRIO_WHO_PROCESS, class IDLE in the top bits.
_IOPRIO_WHO_PROCESS = 1
_IOPRIO_CLASS_IDLE = 3
_IOPRIO_CLASS_SHIFT = 13
_IOPRIO_SET_SYSCALL = {"x86_64": 251, "aarch64": 30, "i386": 289, "i686": 289, "armv7l": 314}
_BELOW_NORMAL_PRIORITY_CLASS = 0x00004000
_PROCESS_MODE_BACKGROUND_BEGIN = 0x00100000


def lower_priority(nice: int, io_idle: bool) -> dict[str, str]:
    """Lower this process's CPU and I/O priority; returns what was done (for logs/status)."""
    done: dict[str, str] = {}
    if sys.platform == "win32":
        done["priority"] = _windows_background(io_idle)
    else:
        if nice > 0:
            done["nice"] = _renice(nice)
        if io_idle and sys.platform.startswith("linux"):
            done["ionice"] = _ionice_idle()
    logs.get().info("priority_lowered", **done)
    return done


def _renice(increment: int) -> str:
    try:
        return f"niceness {os.nice(increment)}"
    except OSError as e:
        return f"failed: {e.strerror}"


def _ionice_idle() -> str:
    number = _IOPRIO_SET_SYSCALL.get(platform.machine())
    if number is not None:
        libc = ctypes.CDLL(None, use_errno=True)
        value = _IOPRIO_CLASS_IDLE << _IOPRIO_CLASS_SHIFT
        if libc.syscall(number, _IOPRIO_WHO_PROCESS, 0, value) == 0:
            return "idle (ioprio_set)"
    try:  # an unknown architecture: the util-linux command does the same
        subprocess.run(["ionice", "-c", "3", "-p", str(os.getpid())], check=True, capture_output=True, timeout=5)
        return "idle (ionice)"
    except (OSError, subprocess.SubprocessError) as e:
        return f"failed: {e}"


def _windows_background(io_idle: bool) -> str:
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.GetCurrentProcess()
    mode = _PROCESS_MODE_BACKGROUND_BEGIN if io_idle else _BELOW_NORMAL_PRIORITY_CLASS
    if kernel32.SetPriorityClass(handle, mode) or kernel32.SetPriorityClass(handle, _BELOW_NORMAL_PRIORITY_CLASS):
        return "background" if io_idle else "below normal"
    return "failed"


class TokenBucket:
    """A read budget of ``rate`` bytes per second, spent between files. A file larger
    than the bucket waits for the time its size is worth; 0 means no limit."""

    def __init__(self, bytes_per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = bytes_per_second
        self._clock = clock
        self._tokens = bytes_per_second
        self._stamp = clock()
        self._lock = threading.Lock()

    def delay_for(self, nbytes: int) -> float:
        """Spend ``nbytes``; return how long the caller should sleep first."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= nbytes
            return max(0.0, -self._tokens / self.rate)

    def spend(self, nbytes: int, stop: threading.Event) -> None:
        delay = self.delay_for(nbytes)
        if delay > 0:
            stop.wait(delay)


class PauseGate:
    """Says whether scanning should pause now, and why: a pause file, a pause command
    (exit 0 means pause; run at most every ``check_seconds``), or running on battery."""

    def __init__(self, pause_file: str | None, pause_command: str | None, on_battery: bool,
                 power_dir: Path = Path("/sys/class/power_supply"), check_seconds: float = 5.0) -> None:
        self.pause_file = Path(pause_file) if pause_file else None
        self.pause_command = pause_command
        self.on_battery = on_battery
        self.power_dir = power_dir
        self.check_seconds = check_seconds
        self._cached: tuple[float, str | None] = (float("-inf"), None)
        self._lock = threading.Lock()

    def reason(self) -> str | None:
        with self._lock:
            at, value = self._cached
            if time.monotonic() - at < self.check_seconds:
                return value
            value = self._check()
            self._cached = (time.monotonic(), value)
            return value

    def _check(self) -> str | None:
        if self.pause_file is not None and self.pause_file.exists():
            return f"pause file {self.pause_file} exists"
        if self.on_battery and on_battery(self.power_dir):
            return "on battery"
        if self.pause_command and _command_says_pause(self.pause_command):
            return "pause command"
        return None

    def wait_while_paused(self, stop: threading.Event, on_change: Callable[[str | None], None]) -> None:
        """Block while paused (reporting the start and end through ``on_change``)."""
        why = self.reason()
        if why is None:
            return
        on_change(why)
        while why is not None and not stop.wait(self.check_seconds):
            why = self.reason()
        on_change(None)


def on_battery(power_dir: Path) -> bool:
    """True when a battery exists and no mains adapter is online (Linux sysfs)."""
    try:
        supplies = list(power_dir.iterdir())
    except OSError:
        return False
    kinds = {s: _read(s / "type") for s in supplies}
    if "Battery" not in kinds.values():
        return False
    mains = [s for s, kind in kinds.items() if kind == "Mains"]
    return bool(mains) and all(_read(s / "online") == "0" for s in mains)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _command_says_pause(command: str) -> bool:
    try:
        return subprocess.run(command, shell=True, capture_output=True, timeout=10).returncode == 0  # noqa: S602
    except (OSError, subprocess.SubprocessError):
        return False
