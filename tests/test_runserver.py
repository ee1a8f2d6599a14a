"""The development server answers without Nagle's 40 ms stall and still serves static files."""

import socket
import threading

from django.core.management import get_commands
from django.core.servers.basehttp import WSGIRequestHandler

from newsarchive.management.commands.runserver import NoDelayWSGIServer


def test_runserver_is_ours_and_keeps_static_files():
    from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver

    from newsarchive.management.commands.runserver import Command

    assert get_commands()["runserver"] == "newsarchive"
    assert issubclass(Command, StaticFilesRunserver)


def test_accepted_connections_have_tcp_nodelay():
    server = NoDelayWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    accepted = {}

    def accept():
        connection, _ = server.get_request()
        accepted["nodelay"] = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        connection.close()

    thread = threading.Thread(target=accept)
    thread.start()
    with socket.create_connection(server.server_address, timeout=5):
        thread.join(timeout=5)
    server.server_close()
    assert accepted["nodelay"] != 0
