"""``juesuan-xlsx serve``: a local web page over the library (issue 16)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from collections.abc import Callable

from ..errors import JuesuanError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = False, jobs: int | None = None,
          echo: Callable[[str], None] = print) -> None:
    """Run the page until Ctrl-C; every upload is deleted when it stops."""
    import uvicorn

    from .app import create_app

    loopback = is_loopback(host)
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise JuesuanError(f"无法在 {host}:{port} 上启动网页：{reason}（端口已被占用时请用 --port 换一个）") from None
    app = create_app(jobs=jobs, allowed_hosts=None if loopback else ["*"])
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if not loopback:
        echo(f"警告：--host {host} 使本机以外的计算机也能打开此页面并上传文件；只在可信的网络中使用。")
    echo(f"网页已启动：{url}  （按 Ctrl-C 停止；停止时删除上传的文件）")
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning", timeout_graceful_shutdown=5)
    except KeyboardInterrupt:  # uvicorn stops cleanly (the lifespan deletes the uploads), then re-raises Ctrl-C
        pass
    echo("网页已停止，上传的文件已删除。")
