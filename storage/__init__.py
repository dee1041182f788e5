"""Persistence: typed SQLAlchemy models, repositories scoped to a workspace, migrations.

Nothing here imports the bot or the handlers; callers hand in a `Database`.
"""

from storage.database import Database, DatabaseUnavailable
from storage.direct import Direct, NotDirect
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Member, ProcessedEvent, TipShown, Workspace
from storage.repositories import (
    Scope,
    TipCycle,
    claim_event,
    claim_request,
    claim_request_directly,
    ensure_scope,
    record_tip_shown,
    scoped_tip_cycle,
    show_tip,
    tip_cycle,
)

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "Direct",
    "Member",
    "NotDirect",
    "ProcessedEvent",
    "Scope",
    "TipCycle",
    "TipShown",
    "Workspace",
    "claim_event",
    "claim_request",
    "claim_request_directly",
    "current_revision",
    "ensure_scope",
    "head_revision",
    "record_tip_shown",
    "scoped_tip_cycle",
    "show_tip",
    "tip_cycle",
    "upgrade",
]
