"""The builtin model installed as an httpx2 transport under the OpenAI client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx2

from .model import BuiltinModel

if TYPE_CHECKING:
    from ...inputs.knowledge import KnowledgeBase

__all__ = ["BuiltinTransport", "builtin_http_client"]


class BuiltinTransport(httpx2.AsyncBaseTransport):
    def __init__(self, model: BuiltinModel):
        self.model = model

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        status, kind, content = self.model.respond(request.method, request.url.path, body)
        return httpx2.Response(status, content=content, headers={"content-type": kind}, request=request)


def builtin_http_client(knowledge: KnowledgeBase | None = None) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=BuiltinTransport(BuiltinModel(knowledge)))
