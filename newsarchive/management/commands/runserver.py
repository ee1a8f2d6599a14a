"""runserver without the 40 ms stall of Nagle's algorithm.

Django's development server writes the status line, the headers and the body as separate small packets; with
Nagle's algorithm on, TCP holds each later packet until the first is acknowledged, and delayed ACKs make that
about 40 ms per request (measured: every save in the workspace paid it). Production servers such as gunicorn
set TCP_NODELAY; so does this one. Static files are still served as by django.contrib.staticfiles.
"""

import socket

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver
from django.core.servers.basehttp import WSGIServer


class NoDelayWSGIServer(WSGIServer):
    def get_request(self):
        connection, address = super().get_request()
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class Command(StaticFilesRunserver):
    server_cls = NoDelayWSGIServer
