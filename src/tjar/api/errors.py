"""The one place that turns errors into HTTP answers in the error envelope.

Domain errors carry stable codes; this module picks their status and their
translated message. Framework errors (validation, unknown routes, bad bodies)
and unexpected exceptions come out in the same envelope.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tjar.api.responses import JSON
from tjar.errors import (
    Conflict,
    NotFound,
    RateLimited,
    TjarError,
    TooLarge,
    Unauthenticated,
    UnsupportedType,
    ValidationFailed,
)
from tjar.i18n import _, negotiate, translate

log = structlog.get_logger("tjar.api")


class MalformedRequest(TjarError):
    code = "malformed_request"


class PayloadTooLarge(TjarError):
    code = "payload_too_large"


class UnsupportedMediaType(TjarError):
    code = "unsupported_media_type"


class MethodNotAllowed(TjarError):
    code = "method_not_allowed"


MESSAGES: dict[str, str] = {
    "error": _("Something went wrong."),
    "not_found": _("Not found."),
    "route_not_found": _("There is no such endpoint."),
    "store_not_found": _("No store is served at this address."),
    "store_slug_unknown": _("No store has this slug."),
    "order_not_found": _("Order not found."),
    "product_not_found": _("Product not found."),
    "unauthenticated": _("A valid API key is required."),
    "conflict": _("This conflicts with the current state."),
    "invalid_state": _("This is not allowed in the current state."),
    "store_exists": _("A store with this slug or domain already exists."),
    "user_exists": _("A user with this email already exists."),
    "user_not_found": _("No user has this email in this store."),
    "customer_not_found": _("Customer not found."),
    "customer_exists": _("A customer with this email or mobile already exists."),
    "coupon_exists": _("A coupon with this code already exists."),
    "invalid_status_transition": _(
        "The order cannot move to this status from its current one."
    ),
    "order_not_editable": _("Only pending or processing orders can be edited."),
    "unsupported_file_type": _("This type of file is not accepted here."),
    "file_too_large": _("The file is larger than {limit_mb} MB."),
    "media_in_use": _("This file is used by a product; detach it first."),
    "media_not_found": _("File not found."),
    "download_not_found": _("This download link is not valid or has expired."),
    "sku_taken": _("This SKU is already used by another product or variant."),
    "slug_taken": _("This slug is already used by another product."),
    "idempotency_key_reused": _(
        "This Idempotency-Key was already used with a different request."
    ),
    "idempotency_key_in_use": _(
        "A request with this Idempotency-Key is still being processed."
    ),
    "rate_limited": _("Too many requests. Try again in {seconds} seconds."),
    "validation_failed": _("The given data was invalid."),
    "malformed_request": _("The request body is not valid JSON."),
    "payload_too_large": _("The request body is too large."),
    "unsupported_media_type": _("Send the body as application/json."),
    "method_not_allowed": _("This method is not allowed on this endpoint."),
    "webhook_not_found": _("Webhook not found."),
    "delivery_not_found": _("Delivery not found."),
    "webhook_limit_reached": _(
        "This store has reached its limit of {limit} webhooks. "
        "Delete one to add another."
    ),
    "webhook_inactive": _("This webhook is turned off; turn it on first."),
    "internal_error": _("An unexpected error occurred. Quote the request id."),
}

STATUS_BY_TYPE: tuple[tuple[type[TjarError], int], ...] = (
    (NotFound, 404),
    (Unauthenticated, 401),
    (Conflict, 409),
    (RateLimited, 429),
    (ValidationFailed, 422),
    (MalformedRequest, 400),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (MethodNotAllowed, 405),
    (UnsupportedType, 415),
    (TooLarge, 413),
)

# Pydantic error types and what the caller is told, in their language.
FIELD_MESSAGES: dict[str, str] = {
    "missing": _("This field is required."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "decimal_parsing": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "greater_than_equal": _("Enter a value of at least {ge}."),
    "greater_than": _("Enter a value greater than {gt}."),
    "less_than_equal": _("Enter a value of at most {le}."),
    "string_too_long": _("Use at most {max_length} characters."),
    "string_too_short": _("Use at least {min_length} characters."),
    "extra_forbidden": _("This field is not accepted."),
    "dict_type": _("Send an object."),
    "model_attributes_type": _("Send an object."),
    "list_type": _("Send a list."),
    "literal_error": _("Choose one of: {expected}."),
    "enum": _("Choose one of: {expected}."),
    "money_negative": _("Enter an amount of zero or more."),
    "money_places": _("Use at most two decimal places."),
    "money_too_large": _("Enter a smaller amount."),
    "date_out_of_range": _("Enter a date between the years 1900 and 9998."),
    "choice_labels": _("Choice labels must be filled in and must not repeat."),
    "string_pattern_mismatch": _("This value is not in the expected format."),
    "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
    "date_parsing": _("Enter a date as YYYY-MM-DD."),
    "too_long": _("Send at most {max_length} items."),
    "too_short": _("Send at least {min_length} items."),
    "union_tag_invalid": _("This value is not valid."),
}
FALLBACK_FIELD_MESSAGE = _("This value is not valid.")


def status_for(error: TjarError) -> int:
    for kind, status_code in STATUS_BY_TYPE:
        if isinstance(error, kind):
            return status_code
    return 400


def _language(request: Request) -> str:
    language = getattr(request.state, "language", None)
    if language is None:
        language = negotiate(request.headers.get("accept-language"), "ar")
        request.state.language = language
    return str(language)


def translated_fields(
    language: str, errors: Mapping[str, Iterable[tuple[str, Mapping[str, object]]]]
) -> dict[str, list[str]]:
    return {
        field: [translate(language, message, **params) for message, params in items]
        for field, items in errors.items()
    }


def error_message(language: str, error: TjarError) -> str:
    """Word ``error`` in ``language``: the message an envelope or a page shows."""
    params: dict[str, Any] = dict(error.params)
    if isinstance(error, RateLimited):
        params["seconds"] = error.retry_after
    message = MESSAGES.get(error.code, MESSAGES[type(error).code])
    return translate(language, message, **params)


def error_response(request: Request, error: TjarError) -> JSON:
    """Render ``error`` as the envelope, in the request's language."""
    language = _language(request)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"

    body: dict[str, Any] = {
        "status": "error",
        "message": error_message(language, error),
        "code": error.code,
    }
    if isinstance(error, ValidationFailed):
        body["errors"] = translated_fields(language, error.errors)
    elif isinstance(field := error.params.get("field"), str):
        body["errors"] = {field: [body["message"]]}
    return JSON(body, status_code=status_for(error), headers=headers)


def internal_error_response(request: Request) -> JSON:
    request_id = getattr(request.state, "request_id", None)
    body = {
        "status": "error",
        "message": translate(_language(request), MESSAGES["internal_error"]),
        "code": "internal_error",
        "request_id": request_id,
    }
    return JSON(body, status_code=500)


# Pydantic names the member of a union it tried ("int", "constrained-str",
# "function-after[...]"); a caller only needs the field.
_TYPE_TAGS = frozenset(
    {"str", "int", "float", "bool", "list", "dict", "none", "decimal"}
)


def _field_path(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    kept = [
        str(part)
        for part in parts
        if isinstance(part, int)
        or not (part in _TYPE_TAGS or any(char in part for char in "[(-"))
    ]
    return ".".join(kept) or "body"


def validation_failed_from(exc: RequestValidationError) -> TjarError:
    """Map FastAPI's validation errors to ours, keeping only safe details."""
    errors: dict[str, list[tuple[str, Mapping[str, object]]]] = {}
    for item in exc.errors():
        if item.get("type") == "json_invalid":
            return MalformedRequest()
        context = {key: str(value) for key, value in (item.get("ctx") or {}).items()}
        message = FIELD_MESSAGES.get(item["type"], FALLBACK_FIELD_MESSAGE)
        errors.setdefault(_field_path(item["loc"]), []).append((message, context))
    return ValidationFailed(errors)


async def _on_tjar_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TjarError)
    return error_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, validation_failed_from(exc))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(request, NotFound("route_not_found"))
    if exc.status_code == 405:
        response = error_response(request, MethodNotAllowed())
        response.headers.update(exc.headers or {})
        return response
    if exc.status_code == 413:
        return error_response(request, PayloadTooLarge())
    if exc.status_code == 400:
        return error_response(request, MalformedRequest())
    return JSON(
        {"status": "error", "message": str(exc.detail), "code": "error"},
        status_code=exc.status_code,
    )


async def _on_data_error(request: Request, exc: Exception) -> Response:
    # A value the input rules let through but a column cannot hold: the
    # caller's data, not a crash. The rules should catch it first; log it.
    log.warning("http.data_error", error=type(exc).__name__)
    return error_response(
        request,
        ValidationFailed.single("body", _("A value is too long or out of range.")),
    )


def install(app: FastAPI) -> None:
    """Route every error the app can raise through the envelope."""
    app.add_exception_handler(DataError, _on_data_error)
    app.add_exception_handler(TjarError, _on_tjar_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
