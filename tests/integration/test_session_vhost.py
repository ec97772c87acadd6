"""The suite's RabbitMQ vhost is its own: another suite on the same broker (CI beside a
developer's run) cannot answer this one's RPC calls or feed its consumers."""
import os
import subprocess
from urllib.parse import unquote, urlparse

import pytest

from tests.support import OWN_VHOST

pytestmark = pytest.mark.integration


def test_the_session_runs_on_a_vhost_of_its_own(rabbit):
    vhost = unquote(urlparse(rabbit).path[1:]) or "/"
    if os.environ.get("AMQP_URI"):  # the caller chose the broker and vhost
        assert OWN_VHOST is None
        return
    assert vhost == OWN_VHOST and vhost.startswith("seklik-test-")
    listed = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True,
                            text=True, check=True, timeout=60).stdout.split()
    assert vhost in listed
