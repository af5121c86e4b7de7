"""The web page: Starlette routes over the same library functions as the command line.

Safety (issue 16):
- sizes: the request body is counted as it arrives (:class:`BodyLimit`), each file and each zip entry is measured;
  over a limit the answer is 413 with one Chinese sentence;
- CSRF: every session has a random cookie (HttpOnly, SameSite=Strict); every form carries a hidden token, an HMAC of
  that cookie under a secret made at start-up, checked on every POST together with the Origin header when sent;
- a batch and its downloads exist only for the session that uploaded them; paths in URLs are random tokens and
  numbers, never file names; file names are shown escaped (Jinja2 autoescape); static files are served by name
  from the package, without directory listing;
- the checks run in a bounded pool of worker processes; a huge file occupies one worker, the page stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import io
import multiprocessing
import os
import re
import secrets
import zipfile
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..contract import UNIT_NAMES, WAN
from ..findings import Level
from ..report import render_file, to_json
from ..verify import SOURCE_SUFFIXES, FileReport, Report
from . import work
from .storage import Batch, Entry, Storage

HERE = Path(__file__).resolve().parent
COOKIE = "juesuan_session"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
EXPORT_FORMATS = ("docx", "xlsx", "pdf", "csv", "json")
MB = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one request may bring; the page states them and refuses more with a Chinese sentence."""

    file_bytes: int = 50 * MB  # one file, also one file inside a zip
    request_bytes: int = 200 * MB  # one upload request, all files together
    files: int = 200  # files in one request, after zips are opened
    zip_bytes: int = 400 * MB  # everything inside one zip, uncompressed
    codes_file_bytes: int = 1 * MB
    pending: int = 2000  # files waiting for a worker over all sessions; more: 503, try later

    def too_large(self) -> str:
        return (f"上传内容过大：一次最多上传 {self.request_bytes // MB} MB，每个文件最多 {self.file_bytes // MB} MB。"
                "请分批上传。")


class TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: a POST body larger than ``limit`` is refused (413), by Content-Length before reading
    and by counting the bytes as they arrive (a chunked upload declares no length)."""

    def __init__(self, app: ASGIApp, limit: int, message: str) -> None:
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(headers, scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            if started:
                raise
            await self._refuse(headers, scope, receive, send)

    async def _refuse(self, headers: Mapping[bytes, bytes], scope: Scope, receive: Receive, send: Send) -> None:
        response: Response
        if headers.get(b"x-requested-with") == b"fetch":
            response = JSONResponse({"error": self.message}, status_code=413)
        else:
            response = HTMLResponse(error_html(self.message), status_code=413)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def error_html(message: str) -> str:
    """A minimal page for an error met before the templates (the size middleware)."""
    return ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>错误</title>"
            f"<p class=\"error\">{html.escape(message)}</p><p><a href=\"/\">返回</a></p></html>")


class UserError(Exception):
    """A request the page refuses, with the Chinese sentence to show and the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@cache
def layout_name(spec: str) -> tuple[str, str]:
    """("2024", "通用格式（central）") for a report's "2024/central"."""
    from ..spec import SpecError, load_spec

    year, _, profile = spec.partition("/")
    try:
        return year, load_spec(int(year), profile).layout_name
    except (ValueError, SpecError):
        return year, profile


STATUS_ORDER = {"有错误": 0, "有警告": 1, "通过": 2}


def entry_view(entry: Entry) -> dict[str, Any]:
    """What the results table and the findings of one file show: the CLI's texts, grouped by table."""
    if entry.report is None:
        return {"number": entry.number, "name": entry.name, "dept": "", "year": "", "layout": "", "errors": 1,
                "warnings": 0, "status": "有错误", "order": 0, "how": "", "groups": [],
                "head": entry.failed or "校验中……", "annotated": False, "passed": False}
    report = replace(entry.report, path=entry.name)
    lines = render_file(report)
    groups: list[dict[str, Any]] = []
    for line in lines[1:]:
        if line.startswith("  【"):
            groups.append({"title": line.strip().strip("【】"), "items": []})
            continue
        text = line.strip()
        level = {"错误": "error", "警告": "warning", "提示": "note"}.get(text.split(" ", 1)[0], "")
        if not groups:
            groups.append({"title": "文件", "items": []})
        groups[-1]["items"].append({"level": level, "text": text})
    year, layout = layout_name(report.spec) if report.spec else ("", "")
    return {"number": entry.number, "name": entry.name, "dept": report.dept, "year": year, "layout": layout,
            "errors": report.count(Level.ERROR), "warnings": report.count(Level.WARNING), "status": report.status,
            "order": STATUS_ORDER.get(report.status, 0), "how": str(report.stats.get("how", "")),
            "head": lines[0], "groups": groups, "annotated": entry.annotated is not None, "passed": report.valid}


class Server:
    """The state of one running page: storage, worker pool, the CSRF secret, the PDF writer's availability."""

    def __init__(self, *, jobs: int | None = None, limits: Limits | None = None, ttl: float = 1800.0,
                 sweep: float = 60.0) -> None:
        self.limits = limits or Limits()
        self.jobs = max(1, jobs or min(4, os.cpu_count() or 1))
        self.storage = Storage(ttl)
        self.sweep = sweep
        self.secret = secrets.token_bytes(32)
        self.pending = 0
        self.pdf: str | None = None  # why pdf export is unavailable; None: available
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[[Any], T], job: Any) -> Future[T]:
        """Run ``fn(job)`` in a worker; a pool broken by a killed worker is replaced, so the server survives."""
        try:
            return self._pool.submit(fn, job)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(fn, job)

    async def run(self, fn: Callable[[Any], T], job: Any) -> T:
        try:
            return await asyncio.wrap_future(self.submit(fn, job))
        except BrokenProcessPool:
            raise UserError("处理进程意外退出（文件可能过大或已损坏），请重试或分批上传。", 500) from None

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.storage.close()

    # --- the checks of one batch ------------------------------------------------------------------------------

    def start(self, batch: Batch) -> None:
        for entry in batch.entries:
            self.pending += 1
            job = (str(batch.uploads), entry.stored, str(batch.outputs / f"{entry.number:03d}"))
            future = self.submit(work.check, job)
            future.add_done_callback(partial(self._checked, entry))

    def _checked(self, entry: Entry, future: Future[tuple[FileReport, str | None]]) -> None:
        self.pending -= 1
        try:
            entry.report, entry.annotated = future.result()
        except Exception as exc:  # noqa: BLE001 - a killed or failed worker: the file says so, the server goes on
            entry.failed = f"■ {entry.name}：无法校验（处理进程意外退出：{type(exc).__name__}）。文件可能过大或已损坏。"


def create_app(*, jobs: int | None = None, limits: Limits | None = None, ttl: float = 1800.0,
               allowed_hosts: list[str] | None = None, sweep: float = 60.0) -> Starlette:
    """The ASGI application.  ``allowed_hosts``: the Host names it answers (default: loopback names only, which also
    keeps a DNS-rebinding page away); ["*"] when the server listens beyond loopback."""
    server = Server(jobs=jobs, limits=limits, ttl=ttl, sweep=sweep)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    pages = Pages(server, templates)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        server.pdf = await loop.run_in_executor(None, _pdf_unavailable)

        async def sweeper() -> None:
            while True:
                await asyncio.sleep(server.sweep)
                server.storage.expire()

        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            task.cancel()
            server.close()

    routes = [
        Route("/", pages.index),
        Route("/verify", pages.upload, methods=["POST"]),
        Route("/new", pages.new, methods=["POST"]),
        Route("/b/{token:str}", pages.batch),
        Route("/b/{token:str}/status", pages.status),
        Route("/b/{token:str}/report.json", pages.report_json),
        Route("/b/{token:str}/summary", pages.summary, methods=["POST"]),
        Route("/b/{token:str}/merge", pages.merge, methods=["POST"]),
        Route("/b/{token:str}/delete", pages.delete, methods=["POST"]),
        Route("/b/{token:str}/f/{number:int}/annotated", pages.annotated),
        Route("/b/{token:str}/f/{number:int}/export", pages.export, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS),
        Middleware(BodyLimit, limit=server.limits.request_bytes, message=server.limits.too_large()),
        Middleware(SecurityHeaders),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={UserError: pages.user_error})
    app.state.server = server
    return app


def _pdf_unavailable() -> str | None:
    from ..errors import JuesuanError
    from ..export.pdf import check_writer

    try:
        check_writer()
    except JuesuanError as exc:
        return str(exc)
    return None


class SecurityHeaders:
    """No framing, no sniffing, no referrer, scripts and styles from this server only."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"no-referrer"),
               (b"content-security-policy",
                b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def _download_name(name: str, suffix: str) -> str:
    stem = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem}{suffix}"


class Pages:
    def __init__(self, server: Server, templates: Jinja2Templates) -> None:
        self.server, self.templates = server, templates

    # --- sessions and CSRF ------------------------------------------------------------------------------------

    def session(self, request: Request) -> tuple[str, bool]:
        """(session id, whether it is new and must be set as a cookie)."""
        current = request.cookies.get(COOKIE, "")
        if len(current) >= 32:
            return current, False
        return secrets.token_urlsafe(32), True

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        session, new = self.session(request)
        context = {**context, "csrf": self.server.token(session), "limits": self.server.limits, "MB": MB}
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        if new:
            response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/")
        return response

    def check_origin(self, request: Request) -> str:
        """The session of a POST whose Origin (when sent) is this server; before the body is read."""
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            raise UserError("请求来自其他网站，已拒绝（CSRF 保护）。请从本页面提交。", 403)
        session = request.cookies.get(COOKIE, "")
        if len(session) < 32:
            raise UserError("会话已失效（浏览器未带回 Cookie）。请刷新页面后重新提交。", 403)
        return session

    def check_token(self, session: str, form: FormData, request: Request) -> None:
        token = form.get("csrf") or request.headers.get("x-csrf-token") or ""
        if not isinstance(token, str) or not hmac.compare_digest(token, self.server.token(session)):
            raise UserError("表单已过期或不是从本页面提交的（CSRF 保护），已拒绝。请刷新页面后重新提交。", 403)

    async def form(self, request: Request, session: str) -> FormData:
        try:
            form = await request.form(max_files=self.server.limits.files + 1, max_fields=1000)
        except TooLarge:
            raise
        except Exception as exc:  # noqa: BLE001 - a malformed multipart body
            detail = getattr(exc, "detail", None) or str(exc)
            raise UserError(f"无法读取上传的内容：{detail}") from None
        try:
            self.check_token(session, form, request)
        except UserError:
            await form.close()
            raise
        return form

    def user_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UserError)
        if request.headers.get("x-requested-with") == "fetch":
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        return self.page(request, "error.html", {"message": exc.message}, status=exc.status)

    def batch_of(self, request: Request) -> Batch:
        session = request.cookies.get(COOKIE, "")
        batch = self.server.storage.get(str(request.path_params["token"]), session)
        if batch is None:
            raise UserError("这批文件不存在或已过期删除（超过时限未使用，或服务已重启）。请重新上传。", 404)
        return batch

    # --- pages ------------------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        from ..resources import available_specs

        specs = available_specs()
        return self.page(request, "index.html", {
            "years": sorted({y for y, _ in specs}, reverse=True), "profiles": sorted({p for _, p in specs}),
            "suffixes": "、".join(s.lstrip(".") for s in SOURCE_SUFFIXES)})

    async def upload(self, request: Request) -> Response:
        session = self.check_origin(request)
        limits = self.server.limits
        if self.server.pending > limits.pending:
            raise UserError("服务器正忙（排队的文件过多），请稍后再试。", 503)
        form = await self.form(request, session)
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        if not uploads:
            raise UserError("没有选择文件。请选择或拖入要校验的文件（也可以是一个文件夹的 .zip）。")
        batch = self.server.storage.new_batch(session)
        try:
            for upload in uploads:
                await self._store(batch, upload)
        except UserError:
            self.server.storage.delete(batch.id)
            raise
        finally:
            for upload in uploads:
                await upload.close()
        if not batch.entries:
            self.server.storage.delete(batch.id)
            raise UserError("上传的 .zip 中没有可校验的文件（" + "、".join(SOURCE_SUFFIXES) + "）。")
        self.server.start(batch)
        url = f"/b/{batch.id}"
        if request.headers.get("x-requested-with") == "fetch":
            return JSONResponse({"url": url, "files": len(batch.entries)})
        return RedirectResponse(url, status_code=303)

    async def _store(self, batch: Batch, upload: UploadFile) -> None:
        limits = self.server.limits
        name = upload.filename or "文件"
        if upload.size is not None and upload.size > limits.file_bytes:
            size = f"{upload.size / MB:.1f} MB"
            raise UserError(f"文件“{name}”过大（{size}）：每个文件最多 {limits.file_bytes // MB} MB。", 413)
        data = await upload.read()
        if len(data) > limits.file_bytes:
            raise UserError(f"文件“{name}”过大：每个文件最多 {limits.file_bytes // MB} MB。", 413)
        if _folder_zip(data):
            await asyncio.get_running_loop().run_in_executor(None, self._unzip, batch, name, data)
        else:
            self._add(batch, name, data)

    def _add(self, batch: Batch, name: str, data: bytes) -> None:
        if len(batch.entries) >= self.server.limits.files:
            raise UserError(f"文件过多：一次最多校验 {self.server.limits.files} 个文件。请分批上传。", 413)
        _, path = batch.add(name)
        path.write_bytes(data)

    def _unzip(self, batch: Batch, name: str, data: bytes) -> None:
        """The workbooks and publications of a zipped folder, each measured as it is read (a zip bomb stops at
        the limit); entries are named by their path inside the zip, for display only."""
        limits = self.server.limits
        total = 0
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                inner = info.filename.replace("\\", "/")
                base = inner.rsplit("/", 1)[-1]
                if info.is_dir() or inner.startswith("__MACOSX/") or base.startswith(("~$", ".")):
                    continue
                if Path(base).suffix.lower() not in SOURCE_SUFFIXES:
                    batch.notes.append(f"{name} 中的 {inner}：不是可校验的文件类型，未校验")
                    continue
                chunks: list[bytes] = []
                size = 0
                try:
                    with archive.open(info) as member:
                        while chunk := member.read(1024 * 1024):
                            size += len(chunk)
                            total += len(chunk)
                            if size > limits.file_bytes:
                                raise UserError(f"“{name}”中的文件“{inner}”解压后过大：每个文件最多 "
                                                f"{limits.file_bytes // MB} MB。", 413)
                            if total > limits.zip_bytes:
                                most = limits.zip_bytes // MB
                                raise UserError(f"“{name}”解压后过大：一个 .zip 解压后最多 {most} MB。", 413)
                            chunks.append(chunk)
                except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                    batch.notes.append(f"{name} 中的 {inner}：无法解压（{type(exc).__name__}），未校验")
                    continue
                self._add(batch, f"{name}/{inner}", b"".join(chunks))

    async def batch(self, request: Request) -> Response:
        batch = self.batch_of(request)
        views = sorted((entry_view(e) for e in batch.entries), key=lambda v: (v["order"], v["name"]))
        return self.page(request, "batch.html", {
            "batch": batch, "files": views, "finished": batch.finished, "done": batch.done,
            "total": len(batch.entries), "formats": [f for f in EXPORT_FORMATS if f != "pdf" or not self.server.pdf],
            "pdf_missing": self.server.pdf, "passed": [v for v in views if v["passed"]]})

    async def status(self, request: Request) -> Response:
        batch = self.batch_of(request)
        return JSONResponse({"done": batch.done, "total": len(batch.entries), "finished": batch.finished})

    def _finished(self, batch: Batch) -> None:
        if not batch.finished:
            raise UserError("这批文件还在校验中，请稍候。", 409)

    def _entry(self, batch: Batch, request: Request) -> Entry:
        entry = batch.entry(int(request.path_params["number"]))
        if entry is None:
            raise UserError("没有这个文件。", 404)
        return entry

    async def report_json(self, request: Request) -> Response:
        batch = self.batch_of(request)
        self._finished(batch)
        report = Report([replace(e.report, path=e.name) for e in batch.entries if e.report is not None])
        return Response(to_json(report), media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": _disposition("校验结果.json")})

    async def annotated(self, request: Request) -> Response:
        batch = self.batch_of(request)
        entry = self._entry(batch, request)
        if entry.annotated is None or not Path(entry.annotated).is_file():
            raise UserError("这个文件没有标注副本（只有能打开的 .xlsx 工作簿才有）。", 404)
        return FileResponse(entry.annotated, filename=_download_name(entry.name, ".标注.xlsx"),
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def summary(self, request: Request) -> Response:
        batch = self.batch_of(request)
        await self.form(request, self.check_origin(request))
        self._finished(batch)
        output = batch.output(".xlsx")
        error, _ = await self.server.run(work.summarise_many, (str(batch.uploads), [e.stored for e in batch.entries],
                                                                 str(output)))
        if error:
            raise UserError(error)
        return _send(output, "汇总表.xlsx")

    async def export(self, request: Request) -> Response:
        batch = self.batch_of(request)
        form = await self.form(request, self.check_origin(request))
        self._finished(batch)
        entry = self._entry(batch, request)
        fmt = str(form.get("to", ""))
        if fmt not in EXPORT_FORMATS:
            raise UserError(f"不支持导出为“{fmt}”。可选：{'、'.join(EXPORT_FORMATS)}")
        if fmt == "pdf" and self.server.pdf:
            raise UserError(self.server.pdf)
        suffix = ".zip" if fmt == "csv" else f".{fmt}"
        output = batch.output(suffix)
        balanced = str(form.get("balanced", "")) == "1"
        error, _ = await self.server.run(work.export_one, (str(batch.uploads), entry.stored, fmt, str(output),
                                                           balanced))
        if error:
            raise UserError(error, 409)
        names = {"xlsx": "-公开.xlsx", "csv": "-csv.zip"}
        return _send(output, _download_name(entry.name, names.get(fmt, suffix)))

    async def merge(self, request: Request) -> Response:
        batch = self.batch_of(request)
        form = await self.form(request, self.check_origin(request))
        self._finished(batch)
        chosen = [batch.entry(int(n)) for n in form.getlist("files") if isinstance(n, str) and n.isdigit()]
        entries = [e for e in chosen if e is not None]
        if len(entries) < 2:
            raise UserError("请至少选择两个通过校验的文件进行汇总。")
        dept = str(form.get("dept", "")).strip()[:100]
        output = batch.output(".xlsx")
        error, _ = await self.server.run(work.merge_many, (str(batch.uploads), [e.stored for e in entries],
                                                             str(output), dept or None))
        if error:
            raise UserError(error, 409)
        return _send(output, f"{dept or '部门'}汇总.xlsx")

    async def delete(self, request: Request) -> Response:
        batch = self.batch_of(request)
        await self.form(request, self.check_origin(request))
        self.server.storage.delete(batch.id)
        return RedirectResponse("/", status_code=303)

    async def new(self, request: Request) -> Response:
        session = self.check_origin(request)
        form = await self.form(request, session)
        try:
            return await self._new(form)
        finally:
            await form.close()

    async def _new(self, form: FormData) -> Response:
        try:
            year = int(str(form.get("year", "")))
        except ValueError:
            raise UserError("请选择年度。") from None
        profile = str(form.get("profile", "central"))
        unit = UNIT_NAMES.get(str(form.get("unit", WAN)).strip().lower())
        if unit is None:
            raise UserError("金额单位只能是 万元 或 元。")
        dept = str(form.get("dept", "")).strip()[:100]
        codes = parse_codes_text(str(form.get("codes", "")))
        codes_file: str | None = None
        upload = form.get("codes_file")
        output = self.server.storage.scratch(".xlsx")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(self.server.limits.codes_file_bytes + 1)
            await upload.close()
            if len(data) > self.server.limits.codes_file_bytes:
                raise UserError(f"科目文件过大：最多 {self.server.limits.codes_file_bytes // MB} MB。", 413)
            path = self.server.storage.scratch(".csv")
            path.write_bytes(data)
            codes_file = str(path)
        try:
            error, described = await self.server.run(work.generate_one, (year, profile, dept, codes, codes_file,
                                                                           str(output), unit))
        finally:
            if codes_file:
                Path(codes_file).unlink(missing_ok=True)
        if error:
            raise UserError(error)
        return _send(output, f"{dept}{year}年部门决算公开表.xlsx" if dept else f"{year}年部门决算公开表.xlsx")


def parse_codes_text(text: str) -> tuple[str, ...] | None:
    """The codes typed into the page (commas, spaces or new lines between them); None when none were typed."""
    codes = tuple(c for c in re.split(r"[,，;；\s]+", text.strip()) if c)
    for code in codes:
        if not re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
            raise UserError(f"科目编码“{code}”格式不对：应为 3 位（类）、5 位（款）或 7 位（项）数字")
    return codes or None


def _folder_zip(data: bytes) -> bool:
    """A .zip of a folder: files to check inside, and not an Office file (xlsx and docx are zips with
    [Content_Types].xml).  Any other zip is checked as the file it is (verify says what it is)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" not in names and any(Path(n).suffix.lower() in SOURCE_SUFFIXES for n in names)


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"download{Path(name).suffix}\"; filename*=utf-8''{quote(name)}"


def _send(path: Path, name: str) -> Response:
    """Send a generated file and delete it once sent."""
    return FileResponse(path, filename=name, background=BackgroundTask(path.unlink, missing_ok=True))


__all__ = ["Limits", "create_app"]
