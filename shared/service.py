"""What every nameko service of SEKLIK is made of.

`ApplicationProvider` builds the service's eventsourcing application in `setup()` (no module
globals; tests swap it with nameko's `replace_dependencies`) and runs the outbox relay beside it.
`EventSourcedService` adds the two RPC methods every service exposes: `notifications` and
`digest`.
"""
from __future__ import annotations

import threading

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from shared.auth import READERS, Auth, allow
from shared.config import Settings
from shared.errors import ValidationFailed
from shared.relay import OutboxRelay
from shared.schemas import load


class ApplicationProvider(DependencyProvider):
    def __init__(self, app_class):
        self.app_class = app_class
        self.app = None
        self.relay = None

    def setup(self):
        self.settings = Settings.from_env()
        self.app = self.app_class(self.settings)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        if self.settings.relay_enabled:
            self.relay = OutboxRelay(self.app, self.settings.amqp_uri)
            self.app.after_save(self._wake.set)

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self._run_relay)

    def _run_relay(self):
        self.relay.run(self._wake, self._stopping, self.settings.relay_interval)

    def stop(self):
        self._stopping.set()
        self._wake.set()
        if self.relay is not None:
            self.relay.close()
        # Close the store's pool while the hub still runs (not at interpreter exit).
        self.app.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.app


class EventSourcedService:
    """Base class: subclasses set `name` and `app = ApplicationProvider(TheirApplication)`."""

    auth = Auth()

    def run(self, command, schema, command_id=None, own: bool = False, **arguments):
        """Validate `arguments` with `schema` and run `command` as the caller.

        `own=True`: a media company's user may run it only on its own partner_id.
        """
        values = load(schema, arguments)
        if own:
            self.auth.check_own(values["partner_id"])
        return command(**values, actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow("admin", *READERS)
    def notifications(self, after=0, limit=100):
        """The service's events after notification `after`, in order, at most `limit` (≤ 1000).

        Each item is an envelope: source, notification_id, originator_id, originator_version,
        type, timestamp (UTC), actor {sub, roles}, payload, prev_hash, hash, schema_version.
        Consumers use it to fill gaps; auditors read the whole history with it.
        """
        check_page(after, limit)
        return self.app.notifications(after, limit)

    @rpc
    @allow("admin", *READERS)
    def checkpoints(self, after=0, limit=100):
        """The service's journal of checkpoints after notification `after` (at most `limit`,
        ≤ 1000): notification_id, originator_id, originator_version, hash, root_hash,
        recorded_at. `seklik audit verify` compares it with the log."""
        check_page(after, limit)
        return self.app.checkpoints(after, limit)

    @rpc
    @allow("admin", *READERS)
    def digest(self):
        """The service's current checkpoint: {service, last_notification_id, root_hash,
        recorded_at}. Keep it outside the system; a later audit proves nothing up to it changed.
        """
        return self.app.digest()


def check_page(after, limit) -> None:
    errors = {}
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        errors["after"] = ["must be an integer notification id, 0 or more"]
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        errors["limit"] = ["must be an integer from 1 to 1000"]
    if errors:
        raise ValidationFailed.from_messages(errors)
