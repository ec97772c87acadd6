"""The OpenAPI 3.1 document, generated from the route table and the services' schemas.

Nothing here is written by hand per route: paths, parameters and bodies come from each route's
marshmallow schema (apispec's marshmallow plugin), roles from the RPC method's `@allow`, the
description from its docstring, and the errors from problem.py's table.
"""
from __future__ import annotations

import functools

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from marshmallow import Schema, fields

from services.gateway import schemas as gateway
from services.gateway.problem import MEDIA_TYPE, TITLES
from services.gateway.routes import ROUTES, Route
from shared.files import DEFAULT_LIMIT, MEDIA_TYPES as FILE_TYPES
from shared.schemas import Bool, Count, Date, Email, Id, Items, Number, Rupiah, Text


class PageOf(Schema):
    """The answer of a list route."""
    items = fields.List(fields.Raw(), required=True)
    next = fields.String(allow_none=True, required=True, metadata={
        "description": "the cursor of the next page, null on the last page"})


class Problem(Schema):
    """RFC 9457 problem details, with the typed error's code and field messages."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), metadata={
        "description": "field -> messages, nested as the payload is (ValidationFailed)"})
    details = fields.Dict(metadata={"description": "the error's machine-readable details"})
    request_id = fields.String()


ERRORS = {400: "the request does not fit (ValidationFailed: `errors` maps fields to messages)",
          401: "no token, or one that is expired or not valid (Unauthenticated)",
          403: "the token's roles may not do this, or not on another company's file "
               "(Forbidden)",
          404: "no such entity, or no such route (NotFound)",
          413: "the body is larger than the route takes",
          422: "a rule of the domain refuses it; `code` names the rule (RuleViolated)",
          500: "an unexpected error, logged under `request_id`",
          503: "the service is not running", 504: "the service did not answer in time"}
COMMAND_ERRORS = {409: "a uniqueness rule, or an Idempotency-Key reused for another call "
                       "(Conflict)",
                  415: "the body is not application/json"}


def component_name(schema) -> str | None:
    """Whole schemas are components named after their service; a part of one is inlined."""
    if getattr(schema, "only", None) or getattr(schema, "exclude", None):
        return None
    cls = resolve_schema_cls(schema)
    return f"{cls.__module__.split('.')[-2]}.{cls.__name__.removesuffix('Schema')}"


def text_properties(self, field, **kwargs) -> dict:
    """Bounds the shared fields keep as attributes rather than as validators."""
    properties = {}
    if isinstance(field, Text):
        properties.update(minLength=field.min_length, maxLength=field.max_length)
        if field.pattern is not None:
            properties["pattern"] = f"^(?:{field.pattern.pattern})$"
    if isinstance(field, Items):
        properties.update(minItems=field.min_items, maxItems=field.max_items)
    return properties


@functools.cache
def openapi_document() -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=component_name)
    spec = APISpec("SEKLIK", "1", "3.1.0", plugins=[plugin], info={"description": (
        "Media partnerships of an Indonesian regency over HTTP. Every `/v1` route calls one "
        "RPC method of a SEKLIK service with the caller's bearer token (an Ed25519 JWT from "
        "`seklik token` or the regency's login); the service checks the token, the roles and "
        "the payload. Money is whole rupiah as JSON integers; dates are the regency's, "
        "`YYYY-MM-DD`. Errors are `application/problem+json` (RFC 9457).")})
    plugin.converter.add_attribute_function(text_properties)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Problem", schema=Problem)
    spec.components.schema("Page", schema=PageOf)
    for status, why in sorted({**ERRORS, **COMMAND_ERRORS}.items()):
        spec.components.response(str(status), {
            "description": f"{TITLES[status]}: {why}",
            "content": {MEDIA_TYPE: {"schema": "Problem"}}})
    paths: dict[str, dict] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.verb.lower()] = operation(route)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def operation(route: Route) -> dict:
    roles = ", ".join(route.roles) or "anyone, without a token"
    description = f"{route.summary}\n\nRoles: {roles}. RPC: `{route.operation_id}`."
    if route.listed:
        description += (" The service answers the list whole; the gateway pages it by "
                        "`cursor` and `limit`.")
    op = {"operationId": route.operation_id, "summary": route.summary.split("\n")[0],
          "description": description, "tags": list(route.tags), "x-roles": list(route.roles),
          "security": [{"bearer": []}] if route.roles else [],
          "parameters": parameters(route),
          "responses": responses(route)}
    body = body_schema(route)
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": body, "example": example(body)}}}
    if route.upload:
        op["description"] += UPLOAD.format(body=route.body, limit=DEFAULT_LIMIT // 2**20)
        op["requestBody"]["content"]["multipart/form-data"] = upload_form(route, body)
    return op


UPLOAD = ("\n\nWith the file itself: send `multipart/form-data` with a part `{body}` (the same "
          "JSON, without `sha256` and `file`) and a part `file` (PDF, JPEG or PNG, judged by its "
          "bytes; at most {limit} MB by default, 413 past it). SEKLIK keeps the file, sealed, "
          "under its SHA-256 and records its sha256, size, media type and name.")


def upload_form(route: Route, body) -> dict:
    return {"schema": {"type": "object", "required": [route.body, "file"], "properties": {
                route.body: {"$ref": f"#/components/schemas/{component_name(body)}"},
                "file": {"type": "string", "contentMediaType": "application/octet-stream"}}},
            "encoding": {route.body: {"contentType": "application/json"},
                         "file": {"contentType": ", ".join(FILE_TYPES)}}}


def parameters(route: Route) -> list[dict]:
    params = []
    path_names = route.path_arguments
    query_names = [a for a in route.arguments if a not in path_names] \
        if route.verb == "GET" else []
    for place, names in (("path", path_names), ("query", query_names)):
        declared = [n for n in names if route.schema and n in route.schema._declared_fields]
        if declared:
            params.append({"in": place, "schema": route.schema(only=declared)})
        params += [{"in": place, "name": n, "required": place == "path",
                    "schema": {"type": "string"}} for n in names if n not in declared]
    if route.listed:
        params.append({"in": "query", "schema": gateway.ListQuery(only=["cursor", "limit"])})
    if route.pages_by:
        params.append({"in": "query", "schema": gateway.ListQuery(only=["cursor"])})
    if route.method == "notifications":
        params.append({"in": "query", "schema": gateway.FeedQuery(only=["wait"])})
    if route.command:
        params.append({"in": "header", "name": "Idempotency-Key", "required": False,
                       "description": "the command's id: the same request again answers "
                                      "as the first did and records nothing new",
                       "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,100}$"}})
    return params


def body_schema(route: Route):
    if route.verb == "GET" or not route.schema:
        return None
    fields = route.schema._declared_fields
    if route.body:
        nested = fields.get(route.body)
        return nested.nested if nested is not None else route.schema
    rest = [n for n in fields if n not in route.path_arguments]
    if not rest:
        return None
    return route.schema(only=rest)


def responses(route: Route) -> dict:
    ok = {"description": "the service's answer (JSON)", "content": {"application/json": {
        "schema": "Page" if route.listed or route.pages_by else {}}}}
    if route.download:
        ok = {"description": "the file's bytes, checked against its SHA-256 (ETag, Repr-Digest)"
                             "; a file changed at rest is refused (500 `file_damaged`)",
              "content": {media_type: {"schema": {"type": "string",
                                                  "contentMediaType": media_type}}
                          for media_type in FILE_TYPES}}
    errors = {**ERRORS, **(COMMAND_ERRORS if route.verb != "GET" else {})}
    return {"200": ok, **{str(status): str(status) for status in sorted(errors)}}


# Examples: the least a schema accepts, made from its fields ----------------------------------

SOME_ID = "5b0c7a34-1111-4000-8000-000000000001"
# Texts tried in turn against a field's pattern (codes, numbers, periods, fractions, phones).
TEXTS = ("A", "a", "+62 712 321000", "SP2D-0001", "2026-01", "11/100", SOME_ID)


def example(schema) -> dict:
    """A body that fits `schema`'s fields: every required field (or, where none is, the
    first: an amendment names at least one), with a value it accepts."""
    schema = schema() if isinstance(schema, type) else schema
    names = [name for name, field in schema.fields.items() if field.required] or \
        list(schema.fields)[:1]
    if "sha256" in schema.fields and "file" in schema.fields:
        names.append("sha256")  # a JSON body names its file by hash (shared.schemas.one_file)
    return {name: example_value(name, schema.fields[name]) for name in names}


def example_value(name: str, field):
    choices = getattr(field.validate, "choices", None) or next(
        (v.choices for v in field.validators if hasattr(v, "choices")), None)
    if choices:
        return list(choices)[0]
    if isinstance(field, fields.Nested):
        return example(field.schema)
    if isinstance(field, Items):
        return [example_value(name, field.inner)] * max(1, field.min_items)
    if isinstance(field, (Rupiah, Count, Number)):
        return min(max(field.minimum, 1_000_000 if isinstance(field, Rupiah) else 1),
                   field.maximum)
    kinds = {Bool: True, Date: "2026-01-15", Id: SOME_ID, Email: "redaksi@example.id"}
    for kind, value in kinds.items():
        if isinstance(field, kind):
            return value
    if isinstance(field, Text):
        return example_text(name, field)
    return {}


def example_text(name: str, field: Text) -> str:
    if field.pattern is None:
        return name.replace("_", " ")[: field.max_length].ljust(field.min_length, ".")
    candidates = ("1" * field.min_length, "1" * field.max_length, *TEXTS)
    return next((text for text in candidates if field.min_length <= len(text) <=
                 field.max_length and field.pattern.fullmatch(text)), name)
