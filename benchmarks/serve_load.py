"""Load on the web page (issue 16): N concurrent sessions each upload M files on loopback and wait for their results.

Starts ``juesuan-xlsx serve``'s application under uvicorn on 127.0.0.1 (a free port) in this process, then runs
``--clients`` sessions at once (threads, standard-library HTTP only); each one opens the page (cookie + CSRF token),
uploads ``--files`` workbooks (every other one the example with a formula pasted over), polls until checked, and
checks the results: every file listed, the example 通过, each damaged copy 有错误 with I-公式被改写 in the JSON report.
Bounded: at most ``--deadline`` seconds, then it stops by itself and says what had not finished.  Prints the
numbers (wall time, per-upload latency, files per second, peak memory of the server and of its worker processes).

    python benchmarks/serve_load.py                 # 20 sessions × 10 files
    python benchmarks/serve_load.py --clients 2 --files 2
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import re
import socket
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED = ROOT / "examples" / "seed-2024.xlsx"


def damaged_bytes() -> bytes:
    wb = openpyxl.load_workbook(SEED)
    sheet = wb["公开01表"]
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("="))
    cell.value = 99999
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                  "Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def session(base: str, files: list[tuple[str, bytes]], deadline: float) -> dict[str, object]:
    """One user: open the page, upload, wait, check. Returns its numbers (or its error)."""
    started = time.monotonic()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/", timeout=60).read().decode()
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match is not None, "no CSRF token on the page"
    body, kind = multipart({"csrf": match[1]}, files)
    request = urllib.request.Request(base + "/verify", data=body, method="POST",
                                     headers={"Content-Type": kind, "X-Requested-With": "fetch"})
    answer = json.loads(opener.open(request, timeout=120).read())
    url = base + answer["url"]
    uploaded = time.monotonic()
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("results not ready before the deadline")
        status = json.loads(opener.open(url + "/status", timeout=60).read())
        if status["finished"]:
            break
        time.sleep(0.5)
    checked = time.monotonic()
    report = json.loads(opener.open(url + "/report.json", timeout=60).read())
    by_name = {f["path"]: f for f in report["files"]}
    assert len(by_name) == len(files), f"{len(by_name)} of {len(files)} files reported"
    for name, _ in files:
        got = by_name[name]
        if name.startswith("损坏"):
            assert got["status"] == "有错误" and any(f["code"] == "I-公式被改写" for f in got["findings"]), name
        else:
            assert got["status"] == "通过", (name, got["status"])
    html = opener.open(url, timeout=60).read().decode()
    assert html.count('<tr class="status-') == len(files)
    return {"upload": uploaded - started, "total": checked - started}


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def workers() -> list[int]:
    """This process's child processes (the page's worker pool), from /proc (Linux)."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.append(int(stat.parent.name))
    return found


class Sampler(threading.Thread):
    """Peak resident memory of the server process and of its workers together, sampled twice a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_self = self.peak_workers = 0.0
        self.most_workers = 0

    def run(self) -> None:
        while not self.stop.wait(0.5):
            pids = workers()
            self.most_workers = max(self.most_workers, len(pids))
            self.peak_self = max(self.peak_self, rss_mb(os.getpid()))
            self.peak_workers = max(self.peak_workers, sum(rss_mb(p) for p in pids))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: the page's)")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before the run stops by itself")
    args = parser.parse_args()

    import uvicorn

    from juesuan_xlsx.serve.app import create_app

    port = free_port()
    app = create_app(jobs=args.jobs)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    good, bad = SEED.read_bytes(), damaged_bytes()
    files = [(f"损坏{i:02d}.xlsx", bad) if i % 2 else (f"单位{i:02d}.xlsx", good) for i in range(args.files)]
    jobs = app.state.server.jobs
    print(f"serve load: {args.clients} sessions × {args.files} files on {base}, {jobs} worker processes")

    sampler = Sampler()
    sampler.start()
    started = time.monotonic()
    deadline = started + args.deadline
    results: list[dict[str, object] | BaseException] = [RuntimeError("did not finish")] * args.clients

    def run(i: int) -> None:
        try:
            results[i] = session(base, files, deadline)
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    wall = time.monotonic() - started
    stored = app.state.server.storage.stored_bytes()
    server.should_exit = True
    thread.join(30)
    root = app.state.server.storage.root

    ok = [r for r in results if isinstance(r, dict)]
    failed = [r for r in results if not isinstance(r, dict)]
    totals = sorted(float(r["total"]) for r in ok)  # type: ignore[arg-type]
    uploads = sorted(float(r["upload"]) for r in ok)  # type: ignore[arg-type]
    files_done = len(ok) * args.files
    print(f"sessions all correct: {len(ok)}/{args.clients}; wall time {wall:.1f} s; "
          f"{files_done / wall:.2f} files/s")
    if ok:
        print(f"upload answered: median {statistics.median(uploads):.2f} s, max {max(uploads):.2f} s")
        print(f"results ready: median {statistics.median(totals):.1f} s, max {max(totals):.1f} s")
    sampler.stop.set()
    print(f"peak memory: server process {sampler.peak_self:.0f} MB (with the load clients), "
          f"{sampler.most_workers} worker processes together {sampler.peak_workers:.0f} MB; "
          f"temporary files at the end {stored / 1024 / 1024:.1f} MB, folder deleted on stop: {not root.exists()}")
    for exc in failed[:5]:
        print(f"FAILED: {type(exc).__name__}: {exc}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
