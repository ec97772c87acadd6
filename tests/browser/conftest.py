"""The portal in a real browser: Debian's chromium, driven by Playwright for Python.

Playwright's own browser downloads cannot be fetched here, so it drives the system's chromium
through `executable_path` (`SEKLIK_CHROMIUM`, else `chromium` on PATH). A machine without it
fails these tests with the command that installs it: like RabbitMQ and PostgreSQL, a missing
browser never turns into a skipped, silently green suite.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import eventlet
import greenlet
import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def chromium_path() -> str:
    path = os.environ.get("SEKLIK_CHROMIUM") or shutil.which("chromium")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("Chromium is needed for the browser tests and was not found "
                    f"(SEKLIK_CHROMIUM={os.environ.get('SEKLIK_CHROMIUM')!r}, none on PATH). "
                    "Install it: apt-get install -y chromium", pytrace=False)
    return path


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    manager = sync_playwright()
    playwright = manager.start()
    # Chromium refuses to start its sandbox as root (CI containers run as root).
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    browser = playwright.chromium.launch(executable_path=path, headless=True, args=args)
    try:
        yield browser
    finally:
        browser.close()
        stop(manager, playwright)


def stop(manager, playwright) -> None:
    """Playwright's stop under eventlet (tests/conftest.py patches the whole suite).

    Playwright runs its asyncio loop in a greenlet of its own (the dispatcher fiber) and, on
    stop, waits for that fiber to end and fall back to its parent, the test's greenlet. But
    the fiber waited on eventlet's green select, and eventlet's hub made itself the parent of
    every greenlet that waits on it: the ended fiber falls back to the hub, and the test waits
    for ever. A green thread hands control back once the fiber has ended.
    """
    test, fiber = greenlet.getcurrent(), manager._dispatcher_fiber

    def resume_test():
        while not fiber.dead:
            eventlet.sleep(0.02)
        test.switch()

    eventlet.spawn(resume_test)
    playwright.stop()


@pytest.fixture
def browser_context(chromium):
    """`browser_context("phone")` or `("desktop")`: a fresh session (its own cookies) as an
    Indonesian user in WIB; every context is closed after the test."""
    opened = []

    def new(device: str = "desktop"):
        shape = {"desktop": DESKTOP, "phone": PHONE}[device]
        context = chromium.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **shape)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


@pytest.fixture
def shot(tmp_path):
    """`shot(page, name)`: a full-page PNG in the test's folder, its path returned. With
    SEKLIK_SCREENSHOTS set it is also copied to docs/screenshots/ (the README's pictures)."""

    def take(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get("SEKLIK_SCREENSHOTS"):
            docs = ROOT / "docs" / "screenshots"
            docs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, docs / path.name)
        return path

    return take
