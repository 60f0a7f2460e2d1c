"""The agent as a Windows service, through pywin32 (``pip install 'pii-agent[windows]'``).

Install (elevated prompt, config in C:\\ProgramData\\pii-agent\\pii-agent.yaml):
    python -m agent.watch.service_windows --startup auto install
    python -m agent.watch.service_windows start
Stop and remove:
    python -m agent.watch.service_windows stop
    python -m agent.watch.service_windows remove
The service runs the same daemon as `pii-agent watch`; "stop" sets the daemon's stop
event (the same path as SIGTERM on Linux), so the queue is left for the next start's
reconciliation walk and the register is closed cleanly.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import servicemanager  # type: ignore[import-not-found,unused-ignore]
import win32event  # type: ignore[import-not-found,unused-ignore]
import win32service  # type: ignore[import-not-found,unused-ignore]
import win32serviceutil  # type: ignore[import-not-found,unused-ignore]

CONFIG_ENV = "PII_AGENT_CONFIG"
DEFAULT_CONFIG = os.path.join(os.environ.get("PROGRAMDATA", r"C:\ProgramData"), "pii-agent", "pii-agent.yaml")


class PiiAgentService(win32serviceutil.ServiceFramework):  # type: ignore[misc,unused-ignore]
    _svc_name_ = "pii-agent"
    _svc_display_name_ = "pii-agent (pension PII watcher)"
    _svc_description_ = "Watches file shares and disks for pension PII and keeps the register current."

    def __init__(self, args: Any) -> None:
        super().__init__(args)
        self.stopped = win32event.CreateEvent(None, 0, 0, None)
        self.daemon: Any = None
        self.ready = threading.Event()

    def SvcStop(self) -> None:  # noqa: N802 - pywin32's name
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        self.ready.wait(timeout=60)
        if self.daemon is not None:
            self.daemon.request_stop()
        win32event.SetEvent(self.stopped)

    def SvcDoRun(self) -> None:  # noqa: N802 - pywin32's name
        servicemanager.LogInfoMsg("pii-agent starting")
        try:
            run_daemon(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG), self)
        except Exception as e:  # the event log is where an administrator looks
            servicemanager.LogErrorMsg(f"pii-agent failed: {type(e).__name__}: {e}")
            raise
        finally:
            self.ready.set()


def run_daemon(config: str, service: PiiAgentService) -> None:
    from agent import logs
    from agent.cli import build_settings, open_store

    from . import make_sweep, watch_roots
    from .daemon import Daemon
    from .runtime import Runtime

    settings = build_settings(config)
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        runtime = Runtime(settings, make_sweep(store))
        service.daemon = Daemon(runtime, store, watch_roots((), settings),
                                reload_settings=lambda: build_settings(config))
        service.ready.set()
        service.daemon.run()
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover - Windows only
    if len(sys.argv) == 1:
        servicemanager.Initialize()
        servicemanager.PrepareToHostSingle(PiiAgentService)
        servicemanager.StartServiceCtrlDispatcher()
    else:
        win32serviceutil.HandleCommandLine(PiiAgentService)
