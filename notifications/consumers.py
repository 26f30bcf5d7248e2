"""WebSocket /ws/notifications/: the signed-in user's unread count, live, for the bell."""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import live
from notifications.selectors import unread_count


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Sends ``{"type": "notifications", "unread": n, "latest": ...}`` on connect and on every change.

    Changes arrive over the user's channel-layer group when the publisher can reach it, and the
    consumer also reads the count every POLL_SECONDS, so the bell moves when a worker in another
    process (in-memory layer) or with Redis down finishes an operation.
    """

    POLL_SECONDS = 2.0

    async def connect(self):
        self.poller = None
        self.group = None
        self.unread = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user_id = user.pk
        self.group = live.group_name(user.pk)
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except Exception:
            self.group = None  # The layer is down: the poll alone carries changes.
        await self.accept()
        await self._send_count()
        self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code):
        if self.poller is not None:
            self.poller.cancel()
        if self.group is not None:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Clients send nothing this socket acts on."""

    async def notifications_event(self, event):
        message = event["message"]
        self.unread = message["unread"]
        await self.send_json(message)

    async def _poll(self):
        while True:
            await asyncio.sleep(self.POLL_SECONDS)
            await self._send_count()

    async def _send_count(self):
        unread = await database_sync_to_async(unread_count)(self.user_id)
        if unread != self.unread:
            self.unread = unread
            await self.send_json(live.unread_message(unread))
