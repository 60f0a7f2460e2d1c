"""The register: SQLAlchemy models, migrations and the repository the agent writes through.

Knows nothing of file formats or of the scanner; it stores the facts the agent gives it.
"""

from .engine import default_db_url
from .records import FileFacts, FindingRow, RecordOutcome, ViolationDecision
from .repository import Store

__all__ = ["FileFacts", "FindingRow", "RecordOutcome", "Store", "ViolationDecision", "default_db_url"]
