"""The builtin model with its answers worked out in a thread, for the chat and `design`.

Installed in-process, the builtin model's work runs on the event loop: Ctrl-C in the chat and SIGTERM in
`design` (both signals the loop handles) could not stop a turn until that work ended, or ever, if it
never did. In a daemon thread, cancelling the await returns at once; the thread's answer, when it comes,
is dropped, and a thread that never ends does not hold the process at exit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from .builtin.model import BuiltinModel
from .builtin.transport import BuiltinTransport

if TYPE_CHECKING:
    from ..inputs.knowledge import KnowledgeBase

__all__ = ["in_thread", "threaded_builtin_client"]

T = TypeVar("T")


async def in_thread(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread (asyncio.to_thread's executor threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: tuple[bool, Any]) -> None:
        if not future.done():
            future.set_result(result[1]) if result[0] else future.set_exception(result[1])

    def run() -> None:
        try:
            result: tuple[bool, Any] = (True, work())
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting task
            result = (False, exc)
        try:
            loop.call_soon_threadsafe(settle, result)
        except RuntimeError:  # the loop closed while this ran: nobody waits for the answer
            pass

    threading.Thread(target=run, daemon=True).start()
    return await future


class _Threaded(BuiltinTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        status, kind, content = await in_thread(lambda: self.model.respond(request.method, request.url.path, body))
        return httpx2.Response(status, content=content, headers={"content-type": kind}, request=request)


def threaded_builtin_client(knowledge: KnowledgeBase | None = None) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=_Threaded(BuiltinModel(knowledge)))
