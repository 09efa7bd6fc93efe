"""The builtin model installed as an httpx2 transport under the OpenAI client."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx2

from .model import BuiltinModel

if TYPE_CHECKING:
    from ...knowledge import KnowledgeBase

__all__ = ["BuiltinTransport", "builtin_http_client"]


class BuiltinTransport(httpx2.AsyncBaseTransport):
    def __init__(self, model: BuiltinModel):
        self.model = model

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        status, payload = self.model.handle(request.method, request.url.path, body)
        return httpx2.Response(status, content=json.dumps(payload).encode(),
                               headers={"content-type": "application/json"}, request=request)


def builtin_http_client(knowledge: KnowledgeBase | None = None) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=BuiltinTransport(BuiltinModel(knowledge)))
