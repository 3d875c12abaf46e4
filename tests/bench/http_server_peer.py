"""http_server_peer.py: the tutorial's aiohttp app, the server benchmark's
peer. Usage: http_server_peer.py PORT (listens on 127.0.0.1)."""
import sys
from aiohttp import web


async def handle(request):
    name = request.match_info.get('name', 'World')
    return web.Response(text=f"Hello, {name}!")


app = web.Application()
app.router.add_get('/{name}', handle)

web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
