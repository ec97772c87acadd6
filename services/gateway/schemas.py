"""Schemas of the parameters only the gateway adds to HTTP: paging and the feed's wait.

The methods every service has (shared/service.py) check their few arguments by hand; these
schemas describe them in the OpenAPI document, and the gateway loads its own parameters
(`cursor`, `limit`, `wait`) with them.
"""
from shared.schemas import Count, Id, Strict, Text

MAX_WAIT = 30  # seconds a feed request may wait for new events


class PageQuery(Strict):
    after = Count(0, 2**63 - 1, load_default=0, metadata={
        "description": "answer the items after this position"})
    limit = Count(1, 1000, load_default=100)


class FeedQuery(PageQuery):
    wait = Count(0, MAX_WAIT, load_default=0, metadata={
        "description": f"seconds (0 to {MAX_WAIT}) to wait for new events when there are "
                       "none (long polling); while half the gateway's workers wait already, "
                       "the answer comes at once"})


class AggregateQuery(PageQuery):
    originator_id = Id(required=True)


class QuarantineQuery(Strict):
    source = Text(64, pattern=r"[A-Za-z_][A-Za-z0-9_]*", error="must be a service name")


class RetrySchema(Strict):
    source = Text(64, required=True, pattern=r"[A-Za-z_][A-Za-z0-9_]*",
                  error="must be a service name")
    notification_id = Count(1, 2**63 - 1, required=True)


class ListQuery(Strict):
    """Paging of a list the service answers whole: the gateway slices it stably."""
    cursor = Text(200, pattern=r"[A-Za-z0-9_-]+", error="not a cursor this API gave",
                  metadata={"description": "`next` of the previous page"})
    limit = Count(1, 1000, load_default=100)
