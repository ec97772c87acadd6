"""SEKLIK_QUEUE_TYPE: the type the durable feed queues are declared with (a RabbitMQ cluster
runs them as quorum queues); tests/integration/test_quorum_queues.py declares them so."""
import pytest

from shared.config import ConfigurationError, Settings


def test_unset_declares_no_type_so_the_vhost_s_default_applies():
    settings = Settings.from_env({})
    assert settings.queue_type is None
    assert settings.queue_arguments() == {}


@pytest.mark.parametrize("kind", ["quorum", "classic"])
def test_a_type_is_declared_as_the_queue_s_x_queue_type(kind):
    assert Settings.from_env({"SEKLIK_QUEUE_TYPE": kind}).queue_arguments() == {
        "x-queue-type": kind}


@pytest.mark.parametrize("kind", ["stream", "Quorum", "mirrored"])
def test_another_type_stops_the_service_naming_the_variable(kind):
    # A stream cannot serve nameko's acknowledged consumers; a typo must not fall back.
    with pytest.raises(ConfigurationError, match=f"SEKLIK_QUEUE_TYPE is '{kind}'"):
        Settings.from_env({"SEKLIK_QUEUE_TYPE": kind})
