"""From an HTTP request to the RPC call of its route, and from the answer to a page.

The gateway only shapes HTTP: it parses JSON (within the route's size limit), refuses query
parameters the route does not take, turns path and query text into the JSON types the
service's schema expects, and pages lists. Every rule about the values is the service's.
"""
from __future__ import annotations

import base64
import binascii
import json

from marshmallow import fields

from services.gateway.problem import HttpProblem, invalid
from services.gateway.routes import Route
from services.gateway.schemas import MAX_WAIT, ListQuery
from shared.errors import ValidationFailed
from shared.schemas import load

DEFAULT_LIMIT = 100


def arguments(route: Route, path_values: dict, request) -> dict:
    """The keyword arguments of the RPC call: from the path, the query and the JSON body."""
    kwargs = arguments_of_path(route, path_values)
    own_query = [name for name in route.arguments
                 if name not in kwargs and route.verb == "GET"]
    query = request.args.to_dict(flat=False)
    unknown = sorted(set(query) - set(own_query) - set(gateway_parameters(route)))
    if unknown:
        raise invalid({name: ["unknown query parameter; this route takes "
                              f"{', '.join(own_query + gateway_parameters(route)) or 'none'}"]
                       for name in unknown})
    for name in own_query:
        if name in query:
            kwargs[name] = typed(route, name, single(name, query[name]))
    if route.verb != "GET":
        kwargs.update(body_arguments(route, kwargs, read_json(route, request)))
    if route.command and request.headers.get("Idempotency-Key") is not None:
        kwargs["command_id"] = request.headers["Idempotency-Key"]
    return kwargs


def arguments_of_path(route: Route, path_values: dict) -> dict:
    return {name: typed(route, name, value) for name, value in path_values.items()}


def gateway_parameters(route: Route) -> list[str]:
    """Query parameters of the gateway's own: paging, and the feed's wait."""
    if route.listed:
        return ["cursor", "limit"]
    if route.pages_by:
        return ["cursor"] + (["wait"] if route.method == "notifications" else [])
    return []


def single(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise invalid({name: ["give it once"]})
    return values[0]


def typed(route: Route, name: str, text: str):
    """Path and query values are text; the schema's integers and booleans are JSON types."""
    field = route.schema._declared_fields.get(name) if route.schema else None
    if isinstance(field, fields.Boolean):
        if text not in ("true", "false"):
            raise invalid({name: ["must be true or false"]})
        return text == "true"
    if isinstance(field, fields.Integer):
        return whole_number(name, text)
    return text


def whole_number(name: str, text: str) -> int:
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 20):
        raise invalid({name: ["must be a whole number"]})
    return int(text)


def read_json(route: Route, request) -> dict:
    length = request.content_length
    if length is not None and length > route.max_body:
        raise too_large(route)
    raw = request.stream.read(route.max_body + 1)
    if len(raw) > route.max_body:
        raise too_large(route)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise HttpProblem(415, "unsupported_media_type", "send the body as application/json")
    try:
        body = json.loads(raw, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise HttpProblem(400, "malformed_json", f"the body is not JSON: {exc}")
    if not isinstance(body, dict):
        raise invalid({"_schema": [f"expected an object, got {type(body).__name__}"]})
    return body


def refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def too_large(route: Route) -> HttpProblem:
    return HttpProblem(413, "body_too_large",
                       f"the body is larger than {route.max_body:,} bytes")


def body_arguments(route: Route, given: dict, body: dict) -> dict:
    if route.body:
        return {route.body: body}
    clash = sorted(set(body) & (set(given) | {"command_id"}))
    if clash:
        raise invalid({name: ["comes from the path or the Idempotency-Key header, not the "
                              "body"] for name in clash})
    return body


# Paging ------------------------------------------------------------------------------------

def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)["p"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        position = None
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise invalid({"cursor": ["not a cursor this API gave"]})
    return position


def list_page(items: list, request) -> dict:
    """A list the service answered whole, sliced at the cursor (its order is the service's)."""
    limit = request.args.get("limit")
    query = {"limit": whole_number("limit", limit)} if limit is not None else {}
    if "cursor" in request.args:
        query["cursor"] = request.args["cursor"]
    try:
        query = load(ListQuery, query)
    except ValidationFailed as exc:
        raise invalid(exc.details["fields"])
    start = decode_cursor(query["cursor"]) if "cursor" in query else 0
    end = start + query["limit"]
    return {"items": items[start:end], "next": encode_cursor(end) if end < len(items) else None}


def resume(route: Route, kwargs: dict, request) -> dict:
    """A `cursor` (the `next` of a page) stands for `after`."""
    if "cursor" in request.args:
        kwargs["after"] = decode_cursor(request.args["cursor"])
    kwargs.setdefault("limit", DEFAULT_LIMIT)
    return kwargs


def rpc_page(route: Route, items: list, limit: int) -> dict:
    """A page the service cut itself: `next` stands for the position of its last item."""
    full = len(items) >= limit and items
    return {"items": items,
            "next": encode_cursor(items[-1][route.pages_by]) if full else None}


def feed_wait(request) -> int:
    wait = whole_number("wait", request.args.get("wait", "0"))
    if not 0 <= wait <= MAX_WAIT:
        raise invalid({"wait": [f"must be 0 to {MAX_WAIT} seconds"]})
    return wait
