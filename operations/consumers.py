import asyncio
import contextlib
import json
import logging
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from operations import progress
from operations.selectors import visible_operations

logger = logging.getLogger(__name__)


class BulkOperationConsumer(AsyncJsonWebsocketConsumer):
    """Live progress of one operation: `progress_update` messages, then `operation_completed`.

    Messages arrive from the channel layer when the worker can reach it (Redis), and the
    consumer also reads the operation from the database every POLL_SECONDS, so progress
    still flows with the in-memory layer or with Redis down. Duplicates are dropped.
    """

    POLL_SECONDS = 1.0
    LAYER_RETRY_SECONDS = 5.0

    # channels' consumer loop awaits `channel_receive` (the layer's receive) beside the
    # socket's; with Redis down that raises and would end the socket. The setter keeps the
    # layer's function and the loop gets a receive that waits for the layer to come back.
    @property
    def channel_receive(self):
        return self._receive_from_layer

    @channel_receive.setter
    def channel_receive(self, layer_receive):
        self._layer_receive = layer_receive

    async def _receive_from_layer(self):
        while True:
            try:
                return await self._layer_receive()
            except Exception as exc:  # the layer is down: the database poll carries progress meanwhile
                logger.warning("Channel layer unreachable (%s); retrying in %ss", exc, self.LAYER_RETRY_SECONDS)
                await asyncio.sleep(self.LAYER_RETRY_SECONDS)

    async def connect(self):
        self.poller = None
        self.group = None
        self.last_processed = -1
        self.completed_sent = False
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        operation = await self._load(user)
        if operation is None:
            await self.close(code=4404)
            return
        self.operation_id = operation.pk
        self.group = progress.group_name(operation.pk)
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except Exception:
            self.group = None  # The layer is down: the database poll alone carries progress.
        await self.accept()
        await self._send_state(progress.message_for(operation))
        if not self.completed_sent:
            self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code):
        if self.poller is not None:
            self.poller.cancel()
        if self.group is not None:
            with contextlib.suppress(Exception):  # Nothing to clean up when the layer is down.
                await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """A frame that is not JSON text (binary, malformed, nested too deep) is ignored like an unknown message."""
        try:
            content = json.loads(text_data) if text_data else None
        except (ValueError, RecursionError):
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        """Clients may send {"type": "refresh"} to get the current state at once."""
        if isinstance(content, dict) and content.get("type") == "refresh":
            await self._send_state(await self._current_message())

    async def operation_event(self, event):
        await self._send_state(event["message"])

    async def _poll(self):
        while not self.completed_sent:
            await asyncio.sleep(self.POLL_SECONDS)
            message = await self._current_message()
            if message is not None:
                await self._send_state(message)

    async def _send_state(self, message: dict):
        if self.completed_sent:
            return
        if message["type"] == "operation_completed":
            self.completed_sent = True
            await self.send_json(message)
            await self.close()
            return
        if message["processed_tickets"] <= self.last_processed:
            return
        self.last_processed = message["processed_tickets"]
        await self.send_json(message)

    async def _load(self, user):
        try:
            operation_id = uuid.UUID(str(self.scope["url_route"]["kwargs"]["operation_id"]))
        except ValueError:
            return None
        return await database_sync_to_async(lambda: visible_operations(user).filter(pk=operation_id).first())()

    @database_sync_to_async
    def _current_message(self):
        from operations.models import BulkOperation

        operation = BulkOperation.objects.filter(pk=self.operation_id).first()
        return progress.message_for(operation) if operation else None
