"""The HTTP gateway: SEKLIK's RPC methods as resource-shaped JSON routes, and an event feed.

It holds no state and no token key: each request's `Authorization: Bearer <jwt>` travels on,
as given, in the context data of the RPC call it makes, and the called service verifies it. The
routes are the table in routes.py; typed errors come back as problem+json (problem.py). Files
(files.py) are the one thing it writes: an upload is sealed with CIPHER_KEY into the file store
the owning service keeps it in.
Listens on WEB_SERVER_ADDRESS (config.yaml maps SEKLIK_HTTP_PORT into it).
"""
from __future__ import annotations

import json
import time
from importlib import resources

import eventlet
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy, rpc
from nameko.web.handlers import http
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from services.gateway import calls, files
from services.gateway.openapi import openapi_document
from services.gateway.portal import pages as portal
from services.gateway.portal.session import csrf_key
from services.gateway.problem import HttpProblem, ServiceTimeout, problem_of, respond
from services.gateway.routes import ROUTES, Route
from shared.config import Settings

RPC_TIMEOUT = 30  # seconds a service has to answer before the request is a 504
POLL_INTERVAL = 0.5  # seconds between two reads of a feed while a request waits
URLS = Map([Rule(r.rule, methods=[r.verb], endpoint=r) for r in ROUTES], strict_slashes=False)
ALL_METHODS = "GET,POST,PUT,PATCH,DELETE"


class Services(DependencyProvider):
    """Calls any SEKLIK service as the HTTP caller: their token, nothing added."""

    rpc_reply_listener = ReplyListener()

    def get_dependency(self, worker_ctx):
        return Calls(worker_ctx, self.rpc_reply_listener)


class Calls:
    def __init__(self, worker_ctx, reply_listener):
        self.worker_ctx = worker_ctx
        self.reply_listener = reply_listener

    def call(self, authorization: str | None, service: str, method: str, kwargs: dict):
        self.worker_ctx.data.pop("authorization", None)
        if authorization is not None:
            self.worker_ctx.data["authorization"] = authorization
        proxy = ServiceProxy(self.worker_ctx, service, self.reply_listener)
        reply = getattr(proxy, method).call_async(**kwargs)
        with eventlet.Timeout(RPC_TIMEOUT, ServiceTimeout(
                f"{service} did not answer {method} within {RPC_TIMEOUT} seconds")):
            return reply.result()


class WaitingSlots(DependencyProvider):
    """How many requests may wait for events at once in this process: half its workers."""

    def setup(self):
        self.slots = Semaphore(max(1, self.container.max_workers // 2))

    def get_dependency(self, worker_ctx):
        return self.slots


class PortalSettings(DependencyProvider):
    """The deployment's settings the portal's pages read (time zone, development or not),
    and the key of its forms' CSRF tokens (derived from CIPHER_KEY, which files.Files
    requires outside development)."""

    def setup(self):
        self.settings = Settings.from_env()
        self.csrf_key = csrf_key(self.settings.digest_key)

    def get_dependency(self, worker_ctx):
        return self


class GatewayService:
    name = "gateway"
    services = Services()
    waiting = WaitingSlots()
    file_store = files.Files()
    portal_settings = PortalSettings()

    @rpc
    def health(self):
        """{service: "gateway"}: the process runs and consumes (`seklik up` waits for it)."""
        return {"service": self.name}

    @http("GET", "/health")
    def http_health(self, request):
        return json_response(self.health())

    @http("GET", "/openapi.json")
    def openapi(self, request):
        return json_response(openapi_document())

    @http("GET", "/docs")
    def docs(self, request):
        page = resources.files(__package__).joinpath("static/docs.html").read_bytes()
        return Response(page, content_type="text/html; charset=utf-8")

    @http("GET", "/portal")
    def portal_root(self, request):
        return redirect("/portal/", code=308)

    @http("GET,POST", "/portal/")
    def portal_home(self, request):
        return self.portal_page(request, "")

    @http("GET,POST", "/portal/<path:path>")
    def portal_page(self, request, path):
        """The web portal (services/gateway/portal/): pages in Bahasa Indonesia."""
        return portal.serve(request, self.services, self.file_store,
                            self.portal_settings.settings, self.portal_settings.csrf_key)

    @http("GET", "/portal/static/<name>")
    def portal_static(self, request, name):
        return portal.static(name)

    @http(ALL_METHODS, "/<path:path>")
    def api(self, request, path):
        try:
            route, values = route_of(request)
            if route.upload and request.mimetype == "multipart/form-data":
                return json_response(files.upload(route, values, request, self.services,
                                                  self.file_store))
            if route.download:
                return files.download(route, calls.arguments(route, values, request), request,
                                      self.services, self.file_store)
            return json_response(self.answer(route, values, request))
        except Exception as exc:  # every failure is a problem document, never a traceback
            return respond(problem_of(exc))

    def answer(self, route: Route, values: dict, request):
        kwargs = calls.arguments(route, values, request)
        authorization = request.headers.get("Authorization")
        if route.pages_by:
            kwargs = calls.resume(route, kwargs, request)
            wait = calls.feed_wait(request) if route.method == "notifications" else 0
            items = self.poll(authorization, route, kwargs, wait)
            return calls.rpc_page(route, items, kwargs["limit"])
        result = self.services.call(authorization, route.service, route.method, kwargs)
        if route.listed and isinstance(result, list):
            return calls.list_page(result, request)
        return result

    def poll(self, authorization, route: Route, kwargs: dict, wait: float) -> list:
        """Long polling: read until there is something, or `wait` seconds have passed.

        Each waiting request holds one of the process's workers, so only half of them may
        wait at a time; past that a request is answered at once, as with wait=0."""
        items = self.services.call(authorization, route.service, route.method, kwargs)
        if items or not wait or not self.waiting.acquire(blocking=False):
            return items
        try:
            deadline = time.monotonic() + wait
            while not items and time.monotonic() < deadline:
                eventlet.sleep(min(POLL_INTERVAL, deadline - time.monotonic()))
                items = self.services.call(authorization, route.service, route.method,
                                           kwargs)
            return items
        finally:
            self.waiting.release()


def route_of(request) -> tuple[Route, dict]:
    try:
        return URLS.bind_to_environ(request.environ).match()
    except NotFound:
        raise HttpProblem(404, "no_such_route", f"no route {request.path}; see /openapi.json")
    except MethodNotAllowed as exc:
        allowed = ", ".join(m for m in exc.valid_methods if m in ALL_METHODS)
        raise HttpProblem(405, "method_not_allowed", f"{request.path} takes {allowed}",
                          headers={"Allow": allowed})


def json_response(value, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, content_type="application/json")
