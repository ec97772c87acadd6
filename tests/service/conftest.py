import pytest
from nameko.containers import ServiceContainer

from services.partners.service import PartnersService


@pytest.fixture
def container(rabbit, tmp_path, monkeypatch):
    """The partners service in a real nameko container on RabbitMQ (its relay off)."""
    monkeypatch.setenv("SEKLIK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEKLIK_RELAY", "off")
    container = ServiceContainer(PartnersService, {"AMQP_URI": rabbit})
    container.start()
    yield container
    container.stop()
