"""How a service's store talks to PostgreSQL, where eventsourcing's defaults cost a command.

- Waits that let the rest of the process run. Every service runs under eventlet (`nameko run`
  monkey-patches the process), but psycopg waits for the server with a C poll that eventlet
  cannot see: while one green thread waits for an answer, the whole process stands still. The
  relay's commit then holds up the next RPC command, a consumer's commit holds up the commands,
  and of eight concurrent commands only one talks to PostgreSQL at a time.
  `wait_cooperatively()` gives psycopg a wait that yields to eventlet's hub instead.
- A consumer's position alone does not wait for the disk (`ProcessRecorder`).
"""
from __future__ import annotations

import time

from eventsourcing.postgres import PostgresProcessRecorder

_cooperative = False


def wait_cooperatively() -> None:
    """Make psycopg's waits cooperative, in a process whose `select` eventlet has patched (a
    nameko service, a test under nameko's plugin); elsewhere nothing changes. Idempotent."""
    global _cooperative
    if _cooperative:
        return
    from eventlet import patcher
    if not patcher.is_monkey_patched("select"):
        return
    from psycopg import waiting
    waiting.wait = cooperative_wait  # psycopg's Connection.wait looks it up on each call
    _cooperative = True


def cooperative_wait(gen, fileno: int, interval: float = 0.0, timeout: float | None = None):
    """psycopg's wait protocol (drive `gen`, which yields the readiness it needs and is sent
    the readiness it got), waiting in eventlet's hub. The socket is asked first without
    yielding: the server has often answered already, and a switch through the hub costs more
    than the question. (`interval` is psycopg's wake-up to notice Ctrl-C: the hub does.)"""
    from eventlet.hubs import trampoline
    from psycopg import errors, waiting

    ready_now = getattr(waiting, "_ready_c", None) or waiting._ready
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        state = next(gen)
        while True:
            ready = ready_now(fileno, state)
            if not ready:
                try:
                    trampoline(fileno, read=bool(state & waiting.Wait.R),
                               write=bool(state & waiting.Wait.W),
                               timeout=None if deadline is None
                               else max(0.0, deadline - time.monotonic()),
                               timeout_exc=TimeoutError)
                except TimeoutError:
                    pass
                ready = ready_now(fileno, state)
            if ready:
                state = gen.send(ready)
            if deadline is not None and time.monotonic() >= deadline:
                raise errors._WaitTimeout("wait timeout expired")
    except StopIteration as done:
        return done.value


class ProcessRecorder(PostgresProcessRecorder):
    """eventsourcing's process recorder, but a consumer's position recorded alone (an event
    that changes nothing here) commits without waiting for the disk: a commit that waits costs
    about 2 ms on this machine's disk, a consumer of a busy source records one per event.

    A crash of the server may lose such a position, and the log is written in order, so only
    with everything recorded after it: the consumer then applies the same event again to the
    same state, and it changes nothing again. A position saved with events waits as before
    (the relay publishes those events; they must not be lost once published)."""

    def _insert_events(self, curs, stored_events, **kwargs) -> None:
        if not stored_events and kwargs.get("tracking") is not None:
            curs.execute("SET LOCAL synchronous_commit TO OFF")
        super()._insert_events(curs, stored_events, **kwargs)
