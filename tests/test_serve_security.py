"""`serve` against DNS rebinding and cross-origin websockets (issue 16, item 11), on a real
`congressgen serve` process: only the bound host names are answered, the reload websocket
accepts only the preview's own pages, and malformed websocket messages are ignored quietly."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

import test_serve as helpers
from congressgen.serve import HostPolicy


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    site = helpers.make_site(tmp_path_factory.mktemp("serve-sec") / "site")
    server = helpers.ServeProcess("--source", str(site), "--port", "0", "--drafts",
                                  tmpdir=tmp_path_factory.mktemp("serve-sec-tmp"))
    url = server.wait_for(r"预览地址：(\S+)").group(1)
    yield helpers.Preview(site, server, url)
    server.stop()


def request(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            if headers.get("Upgrade") and b"\r\n\r\n" in data:
                break
    return int(data.split(b" ", 2)[1]), data


def upgrade_headers(host: str, origin: str | None) -> dict[str, str]:
    headers = {"Host": host, "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    if origin is not None:
        headers["Origin"] = origin
    return headers


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_the_preview_answers_its_own_host_names(preview, host):
    status, body = request(preview.port, "/" + helpers.ARTICLE_PATH, {"Host": host.format(port=preview.port)})
    assert status == 200 and "测试镇人大主席团工作报告".encode() in body


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}",
                                  "localhost.evil.example", "", "127.0.0.1:x"])
@pytest.mark.parametrize("path", ["/", "/{article}", "/livereload.js", "/404.html"])
def test_any_other_host_header_gets_403_and_no_content(preview, host, path):
    """DNS rebinding: a name of the attacker's that resolves to 127.0.0.1 reaches the port,
    but its Host header names it, and the preview refuses it (drafts included)."""
    status, body = request(preview.port, path.format(article=helpers.ARTICLE_PATH),
                           {"Host": host.format(port=preview.port)})
    assert status in (400, 403)
    assert "测试镇人大主席团工作报告".encode() not in body and b"LiveReload" not in body


def test_websocket_upgrade_only_from_the_previews_own_origin(preview):
    own = f"127.0.0.1:{preview.port}"
    assert request(preview.port, "/livereload", upgrade_headers(own, f"http://{own}"))[0] == 101
    assert request(preview.port, "/livereload", upgrade_headers(own, f"http://localhost:{preview.port}"))[0] == 101
    for origin in ("http://evil.example", f"http://evil.example:{preview.port}", "null", None,
                   "http://127.0.0.1:1", f"https://{own}"):
        assert request(preview.port, "/livereload", upgrade_headers(own, origin))[0] == 403, origin
    # A rebinding page: right origin port, but the Host names the attacker's domain.
    evil = f"evil.example:{preview.port}"
    assert request(preview.port, "/livereload", upgrade_headers(evil, f"http://{evil}"))[0] == 403


def test_a_page_of_another_origin_cannot_open_the_reload_socket(preview, page, static_server, tmp_path):
    """In a real Chromium: a page served from another local port tries the preview's websocket."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    page.goto(static_server(tmp_path))
    outcome = page.evaluate("""port => new Promise(done => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/livereload`);
        ws.onopen = () => done("open"); ws.onerror = () => done("refused");
    })""", preview.port)
    assert outcome == "refused"
    page.goto(preview.url + helpers.ARTICLE_PATH)      # the preview's own page still connects
    page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol > 0", timeout=5000)


def test_malformed_websocket_messages_are_ignored_without_a_traceback(preview):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def talk() -> str:
        url = f"ws://127.0.0.1:{preview.port}/livereload"
        ws = await websocket_connect(HTTPRequest(url, headers={"Origin": preview.url.rstrip("/")}))
        for message in ("not json", "[1, 2]", '"hello"', "{}", '{"command": 5}', '{"command": "info", "url": [1]}',
                        '{"command": "info"}', "[" * 5000 + "]" * 5000, b"\xff\xfe binary"):
            await ws.write_message(message, binary=isinstance(message, bytes))
        await ws.write_message('{"command": "hello", "protocols": []}')
        reply = await asyncio.wait_for(ws.read_message(), timeout=5)
        ws.close()
        return reply

    errors_before = len(preview.server.err)
    with ThreadPoolExecutor(1) as pool:   # its own event loop (the browser fixture may hold this thread's)
        reply = pool.submit(lambda: asyncio.run(talk())).result(timeout=30)
    assert reply is not None and '"command": "hello"' in reply     # the socket survived every message
    status, _ = request(preview.port, "/", {"Host": f"127.0.0.1:{preview.port}"})
    assert status == 200
    later = preview.server.err[errors_before:]
    assert not any("Traceback" in line or "Error" in line for line in later), later


def test_host_policy_for_every_bind_address():
    loop = HostPolicy.for_bind("127.0.0.1", 8000)
    assert loop.allows_host("127.0.0.1:8000") and loop.allows_host("localhost") and not loop.allows_host("evil:8000")
    assert not loop.allows_host("192.168.1.5:8000")
    lan = HostPolicy.for_bind("0.0.0.0", 8000)            # other PCs use the LAN address
    assert lan.allows_host("192.168.1.5:8000") and lan.allows_host("[::1]:8000") and not lan.allows_host("pc.evil:8000")
    named = HostPolicy.for_bind("192.168.1.5", 8000)
    assert named.allows_host("192.168.1.5:8000") and not named.allows_host("192.168.1.6:8000")
    assert named.allows_origin("http://192.168.1.5:8000") and not named.allows_origin("http://192.168.1.5:8001")
