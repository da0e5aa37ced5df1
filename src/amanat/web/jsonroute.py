"""A route class that answers errors as JSON on any path (the app renders HTML outside /api/)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from amanat.errors import AmanatError
from amanat.web.errors import (
    BAD_VALUES,
    HttpError,
    describe_validation,
    for_amanat_error,
    for_bad_value,
    json_error,
)


class JsonErrorRoute(APIRoute):
    """Node-protocol routes: every failure is a 4xx ``{"error": {"code", "message"}}``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except HttpError as exc:
                return json_error(exc.status, exc.code, exc.message, exc.headers)
            except AmanatError as exc:
                err = for_amanat_error(exc)
                return json_error(err.status, err.code, err.message)
            except BAD_VALUES as exc:
                err = for_bad_value(exc)
                return json_error(err.status, err.code, err.message)
            except RequestValidationError as exc:
                return json_error(400, "invalid_parameter", describe_validation(list(exc.errors())))

        return guarded
