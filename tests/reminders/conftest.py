"""Fixtures for the reminder tests: the app with the feature wired in, and a real local SMTP server."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from tests.reminders.gen import attach_reminders


@pytest.fixture
def app(make_app, sqlite_url):
    return attach_reminders(make_app(sqlite_url))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        from email import message_from_bytes, policy

        return [message_from_bytes(envelope.original_content, policy=policy.default) for envelope in self.envelopes]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int, **options):
        self.port, self.options, self.inbox, self.controller = port, options, Inbox(), None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_port():
    """A port for a server the test starts itself (e.g. after a failure)."""
    servers = []

    def start(port, **options):
        servers.append(SmtpServer(port, **options).start())
        return servers[-1]

    start.port = free_port()
    yield start
    for server in servers:
        server.stop()
