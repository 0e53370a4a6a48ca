"""Contract error bodies: ``{"error":"<code>"}`` with a fixed status per code.

Handlers raise :class:`ApiError`; request bodies are validated by :func:`parse_json_body`, whose
failures surface as FastAPI's ``RequestValidationError`` and are mapped here: a body that is not
JSON at all is 400 ``invalid_json``, JSON of the wrong shape, type or range is 422
``invalid_request``. Unknown paths (404) and wrong methods (405) keep FastAPI's default bodies,
which the contract leaves unspecified.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ApiError(Exception):
    """An error answered with the contract body ``{"error": code}``."""

    def __init__(self, status_code: int, code: str) -> None:
        super().__init__(code)
        self.status_code = status_code
        self.code = code


def error_response(status_code: int, code: str) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=status_code)


def invalid_query() -> ApiError:
    return ApiError(400, "invalid_query")


_JSON_INVALID = {"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error", "input": {}}


def parse_json_body(model: type[ModelT], body: bytes) -> ModelT:
    """Validate a raw request body against a strict pydantic model.

    pydantic's own JSON parser (jiter) rejects syntax errors, empty bodies and trailing garbage
    with the error type ``json_invalid``, but it accepts ``NaN`` and ``Infinity`` literals, which are
    not JSON. Before reporting a shape error, the body is therefore checked once more with the
    strict parser, so ``{"hash_rounds":NaN}`` is ``invalid_json`` like any other syntax error. This
    costs nothing on valid requests.
    """
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors: list[Any] = exc.errors(include_url=False, include_context=False)
        if not any(error["type"] == "json_invalid" for error in errors):
            try:
                pydantic_core.from_json(body, allow_inf_nan=False)
            except ValueError:
                errors = [_JSON_INVALID]
        raise RequestValidationError(errors, body=body) from None


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code)


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return error_response(400, "invalid_json")
    return error_response(422, "invalid_request")


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
