"""wsbase: a WebSocket server on loopback, run on its own asyncio loop in a thread, for the fakes
of providers that speak WebSocket (Deepgram live) and for servers written in tests.

The fake's connection class (a websockets WebSocketServerProtocol subclass) decides the handshake
in process_request and the conversation in its handler; start() returns once the port is bound.
"""
import asyncio
import threading

import websockets


class WsServer:
    """Runs websockets.serve(handler, ...) on a private loop in a daemon thread."""

    def __init__(self, handler, create_protocol=None):
        self._handler = handler
        self._create_protocol = create_protocol
        self.loop = None
        self._server = None
        self._thread = None
        self.stopping = None

    @property
    def port(self):
        return self._server.sockets[0].getsockname()[1]

    def start(self, port=0):
        ready = threading.Event()
        failure = []

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.stopping = asyncio.Event()
            kwargs = {"max_size": 2 ** 22, "ping_interval": None}
            if self._create_protocol:
                kwargs["create_protocol"] = self._create_protocol
            try:
                self._server = self.loop.run_until_complete(
                    websockets.serve(self._handler, "127.0.0.1", port, **kwargs))
            except OSError as e:
                failure.append(e)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def call(self, fn, *args):
        """Run fn(*args) on the server's loop (thread-safe)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def stop(self):
        if not self._server:
            return

        async def shut():
            self.stopping.set()
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self._server = None
