"""Files in a Teams personal chat, by the consent flow Teams requires of bots.

The bot offers a file with a FileConsentCard. When the person accepts,
Teams sends a `fileConsent/invoke` with an upload URL in their OneDrive;
the bot PUTs the bytes there and posts a FileInfoCard linking the file.

Offered bytes wait in memory, not the database, for an hour: an export holds
private reflections, and an offer nobody accepts should leave no copy behind.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import aiohttp

from handlers import Attachment

log = logging.getLogger(__name__)

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
OFFER_SECONDS = 3600
MAX_OFFERS = 500
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Offer:
    attachment: Attachment
    member: str  # only the person it was offered to may accept it
    made: float


class FileOffers:
    """Offers awaiting an answer, oldest dropped first when there are too many."""

    def __init__(self, *, session: aiohttp.ClientSession) -> None:
        self.session = session
        self._offers: OrderedDict[str, _Offer] = OrderedDict()

    def offer(self, *, attachment: Attachment, member: str) -> dict[str, Any]:
        """The consent card attachment for one file."""
        self._expire()
        token = secrets.token_urlsafe(16)
        self._offers[token] = _Offer(attachment=attachment, member=member, made=time.monotonic())
        while len(self._offers) > MAX_OFFERS:
            self._offers.popitem(last=False)
        context = {"token": token}
        return {
            "contentType": CONSENT,
            "name": attachment.filename,
            "content": {
                "description": attachment.title,
                "sizeInBytes": len(attachment.content),
                "acceptContext": context,
                "declineContext": context,
            },
        }

    def _expire(self) -> None:
        cutoff = time.monotonic() - OFFER_SECONDS
        for token in [t for t, o in self._offers.items() if o.made < cutoff]:
            del self._offers[token]

    def take(self, *, token: str, member: str) -> Attachment | None:
        """The file for an answered offer, once; None when expired or not theirs."""
        self._expire()
        found = self._offers.get(token)
        if found is None or found.member != member:
            return None
        del self._offers[token]
        return found.attachment

    async def upload(
        self, *, attachment: Attachment, upload_info: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT the bytes to the person's OneDrive and return the FileInfoCard attachment."""
        size = len(attachment.content)
        async with self.session.put(
            str(upload_info["uploadUrl"]),
            data=attachment.content,
            headers={
                "Content-Length": str(size),
                "Content-Range": f"bytes 0-{max(size - 1, 0)}/{size}",
            },
            timeout=UPLOAD_TIMEOUT,
        ) as response:
            response.raise_for_status()
        return {
            "contentType": INFO,
            "contentUrl": upload_info.get("contentUrl"),
            "name": upload_info.get("name") or attachment.filename,
            "content": {
                "uniqueId": upload_info.get("uniqueId"),
                "fileType": upload_info.get("fileType") or attachment.filename.rsplit(".", 1)[-1],
            },
        }
