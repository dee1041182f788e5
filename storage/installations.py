"""Slack installations and OAuth states: who installed the app where, with which tokens.

An installation is keyed as slack_sdk keys it, by enterprise id and team id
(`""` where there is none; an org-wide install has no team). Its data, tokens
included, is sealed with the data key. Uninstalling keeps the row with no data
and the time, so posts to that workspace stop until it is installed again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, SlackInstallation, SlackOAuthState, Workspace
from storage.outbox import PENDING, SKIPPED

SLACK = "slack"


def _key(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    return enterprise_id or "", team_id or ""


async def _row(
    session: AsyncSession, *, enterprise_id: str | None, team_id: str | None
) -> SlackInstallation | None:
    enterprise, team = _key(enterprise_id, team_id)
    found: SlackInstallation | None = await session.scalar(
        select(SlackInstallation)
        .where(SlackInstallation.enterprise_id == enterprise, SlackInstallation.team_id == team)
        .with_for_update()
    )
    return found


async def save_installation(
    session: AsyncSession,
    *,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Keep the latest installation for its workspace (a reinstall or a rotated token
    replaces the one before), and lift any uninstall."""
    row = await _row(session, enterprise_id=enterprise_id, team_id=team_id)
    if row is None:
        enterprise, team = _key(enterprise_id, team_id)
        session.add(
            SlackInstallation(
                enterprise_id=enterprise,
                team_id=team,
                is_enterprise_install=is_enterprise_install,
                data=data,
                installed_at=now,
            )
        )
        return
    row.is_enterprise_install = is_enterprise_install
    row.data = data
    row.installed_at = now
    row.uninstalled_at = None


async def find_installation(
    session: AsyncSession, *, enterprise_id: str | None, team_id: str | None
) -> dict[str, Any] | None:
    """The installation's data, or None when it was never installed or is uninstalled."""
    enterprise, team = _key(enterprise_id, team_id)
    data: dict[str, Any] | None = await session.scalar(
        select(SlackInstallation.data).where(
            SlackInstallation.enterprise_id == enterprise,
            SlackInstallation.team_id == team,
            SlackInstallation.uninstalled_at.is_(None),
        )
    )
    return data


async def installation_for_team(session: AsyncSession, *, team_id: str) -> dict[str, Any] | None:
    """The installation that serves a workspace, known only by its team id (as the
    outbox knows it): its own, else the one org-wide install if there is exactly one."""
    rows = (
        await session.execute(
            select(SlackInstallation.team_id, SlackInstallation.data).where(
                SlackInstallation.team_id.in_((team_id, "")),
                SlackInstallation.uninstalled_at.is_(None),
            )
        )
    ).all()
    own: list[dict[str, Any]] = [data for team, data in rows if team == team_id]
    org_wide: list[dict[str, Any]] = [data for team, data in rows if team == ""]
    if own:
        return own[0]
    return org_wide[0] if len(org_wide) == 1 else None


async def is_uninstalled(session: AsyncSession, *, team_id: str) -> bool:
    """Whether the app was uninstalled from this workspace and not installed again."""
    found = await session.scalar(
        select(SlackInstallation.id).where(
            SlackInstallation.team_id == team_id, SlackInstallation.uninstalled_at.is_not(None)
        )
    )
    return found is not None


async def uninstall(
    session: AsyncSession, *, enterprise_id: str | None, team_id: str | None, now: datetime
) -> int:
    """Forget the tokens, note the time, and skip what was still due there.

    Returns how many pending posts were skipped.
    """
    row = await _row(session, enterprise_id=enterprise_id, team_id=team_id)
    if row is None:
        enterprise, team = _key(enterprise_id, team_id)
        row = SlackInstallation(
            enterprise_id=enterprise, team_id=team, is_enterprise_install=not team, installed_at=now
        )
        session.add(row)
    row.data = None
    row.uninstalled_at = now
    if not team_id:
        return 0
    return await _skip_pending(session, team_id=team_id, now=now)


async def drop_bot(
    session: AsyncSession, *, enterprise_id: str | None, team_id: str | None
) -> None:
    """A revoked bot token: keep the installation, without the bot's tokens."""
    row = await _row(session, enterprise_id=enterprise_id, team_id=team_id)
    if row is None or row.data is None:
        return
    bot_fields = ("bot_token", "bot_id", "bot_user_id", "bot_refresh_token", "bot_token_expires_at")
    row.data = {k: v for k, v in row.data.items() if k not in bot_fields}


async def reinstate(session: AsyncSession, *, team_id: str) -> None:
    """A single-token deployment started with a working token for this workspace: whatever
    uninstall was recorded before is over."""
    await session.execute(
        update(SlackInstallation)
        .where(SlackInstallation.team_id == team_id, SlackInstallation.data.is_(None))
        .values(uninstalled_at=None)
    )


async def _skip_pending(session: AsyncSession, *, team_id: str, now: datetime) -> int:
    workspace = select(Workspace.id).where(
        Workspace.platform == SLACK, Workspace.external_id == team_id
    )
    skipped = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.workspace_id.in_(workspace.scalar_subquery()))
        .where(OutboxMessage.status == PENDING)
        .values(status=SKIPPED, sent_at=now, last_error="app uninstalled")
        .returning(OutboxMessage.id)
    )
    return len(skipped.all())


async def issue_state(session: AsyncSession, *, state: str, expires_at: datetime) -> None:
    session.add(SlackOAuthState(state=state, expires_at=expires_at))


async def consume_state(session: AsyncSession, *, state: str, now: datetime) -> bool:
    """True once for a state issued here and not yet expired; expired ones are cleared."""
    await session.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at <= now))
    used = await session.execute(
        delete(SlackOAuthState)
        .where(SlackOAuthState.state == state)
        .returning(SlackOAuthState.state)
    )
    return used.first() is not None


async def team_of_workspace(session: AsyncSession, *, workspace_id: int) -> str | None:
    """The Slack team id of one of our workspaces (the outbox knows rows by workspace)."""
    team: str | None = await session.scalar(
        select(Workspace.external_id).where(
            Workspace.id == workspace_id, Workspace.platform == SLACK
        )
    )
    return team
