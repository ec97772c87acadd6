"""The gateway's route table and its OpenAPI document, read without a broker.

Every public RPC method of every service has one HTTP route (or is listed as deliberately not
exposed, with the reason); each route's arguments are the method's own; the document is
generated from the same table and the services' schemas, with every route, its roles and its
errors in it.
"""
import inspect
import json
from pathlib import Path

import pytest
from marshmallow import fields
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc

from services.gateway.openapi import body_schema, openapi_document
from services.gateway.problem import STATUS, problem_of, respond
from services.gateway.routes import NOT_EXPOSED, ROUTES, SERVICES
from shared.errors import Forbidden, RuleViolated, ValidationFailed
from shared.schemas import Rupiah, load

STATIC = Path(__file__).resolve().parents[2] / "services" / "gateway" / "static"


def public_rpc_methods():
    for service, cls in SERVICES.items():
        for name in dir(cls):
            if any(isinstance(ext, Rpc) for ext in
                   getattr(getattr(cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ())):
                yield service, name


def test_every_public_rpc_method_of_every_service_has_a_route_or_a_reason():
    routed = {(r.service, r.method) for r in ROUTES}
    missing = set(public_rpc_methods()) - routed - set(NOT_EXPOSED)
    assert not missing, sorted(missing)
    assert routed <= set(public_rpc_methods())  # no route to a method that is not there
    assert all(reason for reason in NOT_EXPOSED.values())


def test_every_service_of_the_deployment_but_the_gateway_is_in_the_table():
    from seklik.cluster import service_commands

    assert set(SERVICES) == set(service_commands()) - {"gateway"}


def test_no_two_routes_answer_the_same_request():
    seen = [(r.verb, r.rule) for r in ROUTES]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.operation_id)
def test_a_route_takes_only_the_methods_arguments_and_the_schema_names_them(route):
    assert set(route.path_arguments) <= set(route.arguments)
    if route.body:
        assert route.body in route.arguments and route.verb != "GET"
    if route.schema is not None:
        declared = set(route.schema._declared_fields)
        if route.body and route.body not in declared:  # the schema is the body's own
            declared = {route.body, *(set(route.arguments) & declared)}
        assert set(route.arguments) <= declared, set(route.arguments) - declared
    assert route.roles == route.function.allowed_roles  # read from @allow, not restated


def test_roles_are_read_from_the_rpc_method():
    get_partner = next(r for r in ROUTES if r.method == "get_partner")
    assert "media" in get_partner.roles and "auditor" in get_partner.roles
    register = next(r for r in ROUTES if r.method == "register_partner")
    assert register.roles == ("admin", "applicant") and register.command


def test_the_issue_s_example_routes_are_there():
    table = {(r.verb, r.path): r.method for r in ROUTES}
    assert table[("POST", "/v1/partners")] == "register_partner"
    assert table[("GET", "/v1/partners/{partner_id}")] == "get_partner"
    assert table[("POST", "/v1/partners/{partner_id}/documents")] == "submit_document"
    assert table[("POST", "/v1/orders/{order_id}/payments")] == "record_payment"
    assert table[("GET", "/v1/reports/budget")] == "budget_realization"
    assert table[("GET", "/v1/events/partners")] == "notifications"


def test_no_personal_number_travels_in_a_path():
    for route in ROUTES:
        assert not {"nik", "npwp", "number"} & set(route.path_arguments), route.path


# The OpenAPI document -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document():
    return openapi_document()


def test_the_document_is_openapi_3_1_json_with_every_route(document):
    assert document["openapi"] == "3.1.0"
    json.dumps(document, allow_nan=False)
    operations = {op["operationId"]: (verb, path) for path, verbs in document["paths"].items()
                  for verb, op in verbs.items()}
    assert operations == {r.operation_id: (r.verb.lower(), r.path) for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.operation_id)
def test_each_operation_says_its_roles_errors_and_idempotency(document, route):
    op = document["paths"][route.path][route.verb.lower()]
    assert op["x-roles"] == list(route.roles)
    assert f"Roles: {', '.join(route.roles)}" in op["description"]
    assert {"200", "400", "401", "403", "404", "422", "500"} <= set(op["responses"])
    headers = [p["name"] for p in op["parameters"] if p["in"] == "header"]
    assert ("Idempotency-Key" in headers) == route.command
    names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
    assert names == set(route.path_arguments)


def test_bodies_come_from_the_services_schemas(document):
    schemas = document["components"]["schemas"]
    partner = schemas["partners.Partner"]
    assert set(partner["properties"]) == {
        "legal_name", "brand_name", "legal_form", "media_type", "npwp", "nib", "pkp",
        "address", "founded_on", "contact", "bank_account"}
    assert partner["properties"]["npwp"]["pattern"] == "^(?:[0-9]{15}|[0-9]{16})$"
    body = document["paths"]["/v1/orders/{order_id}/payments"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/contracts.Payment"}


@pytest.mark.parametrize("route", [r for r in ROUTES if body_schema(r) is not None],
                         ids=lambda r: r.operation_id)
def test_each_body_s_example_is_one_its_schema_accepts(document, route):
    body = document["paths"][route.path][route.verb.lower()]["requestBody"]
    load(body_schema(route), body["content"]["application/json"]["example"])


def test_money_is_a_whole_rupiah_integer_in_the_document(document):
    from services.contracts.schemas import BudgetSchema

    money = [n for n, f in BudgetSchema._declared_fields.items() if isinstance(f, Rupiah)]
    body = document["paths"]["/v1/budgets/{fiscal_year}/{activity_code}"]["put"]
    properties = body["requestBody"]["content"]["application/json"]["schema"]["properties"]
    for name in money:
        assert properties[name]["type"] == "integer"
        assert properties[name]["maximum"] == 10**15
    contracts = {k: v for k, v in document["components"]["schemas"].items()
                 if k.startswith("contracts.")}
    assert '"type": "number"' not in json.dumps(contracts)  # no float anywhere near money


def test_the_reference_page_is_vendored_and_reaches_no_other_host():
    page = (STATIC / "docs.html").read_text()
    assert "/openapi.json" in page
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


# Errors as problem documents ------------------------------------------------------------------

@pytest.mark.parametrize("error, status", [(cls("no"), status) for cls, status in
                                           STATUS.items()], ids=lambda v: str(v))
def test_each_typed_error_has_its_status(error, status):
    response = respond(problem_of(error))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.get_data())
    assert body["status"] == status and body["code"] == error.code


def test_a_validation_problem_names_the_fields_and_a_rule_its_code():
    failed = json.loads(respond(problem_of(ValidationFailed.from_messages(
        {"npwp": ["must be 15 or 16 digits"]}))).get_data())
    assert failed["errors"] == {"npwp": ["must be 15 or 16 digits"]}
    refused = json.loads(respond(problem_of(RuleViolated(
        "over the pagu", code="budget_exceeded", details={"remaining": 5_000_000}))).get_data())
    assert refused["code"] == "budget_exceeded" and refused["details"]["remaining"] == 5_000_000
    forbidden = respond(problem_of(Forbidden("not yours", code="not_own_file")))
    assert json.loads(forbidden.get_data())["code"] == "not_own_file"


def test_a_service_away_or_silent_is_a_503_or_a_504():
    from nameko.exceptions import UnknownService

    from services.gateway.problem import ServiceTimeout

    assert respond(problem_of(UnknownService("contracts"))).status_code == 503
    assert respond(problem_of(ServiceTimeout("contracts did not answer"))).status_code == 504


def test_an_unexpected_error_is_a_500_without_a_traceback(caplog):
    response = respond(problem_of(KeyError("secret internals")))
    body = json.loads(response.get_data())
    assert response.status_code == 500 and body["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["request_id"] in caplog.text  # the log has it, under the same id
