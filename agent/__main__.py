"""`python -m agent` is `pii-agent`."""

from agent.cli import main

main()
