"""The commented sample config, generated from the declared settings so it never drifts."""

from __future__ import annotations

import json
import textwrap

from .settings import setting_docs

_HEADER = [
    "# pii-agent configuration sample: every setting, with its default and meaning.",
    "# Copy it (e.g. to /etc/pii-agent/pii-agent.yaml), uncomment what you change, pass --config FILE.",
    "# Command-line flags override it. Unknown keys are an error (no silent fallback to defaults).",
    "# Regenerate with: pii-agent config sample > deploy/pii-agent.yaml.sample",
    "",
]
_ZONES_EXAMPLE = [
    "# Example:",
    "# zones:",
    "#   - {zone: shared, path: /srv/shares/nenkin, share_root: /srv/shares/nenkin}",
    "#   - {zone: shared, path: /mnt/nas, network: true}",
    "#   - {zone: local, path: /home}",
]


def sample_config() -> str:
    lines = list(_HEADER)
    for name, (default, help_text) in setting_docs().items():
        lines += [f"# {line}" for line in textwrap.wrap(help_text, 96)]
        if name == "zones":
            lines += _ZONES_EXAMPLE
        value = "null" if default is None else json.dumps(default, ensure_ascii=False)
        lines += [f"# {name}: {value}", ""]
    return "\n".join(lines)
