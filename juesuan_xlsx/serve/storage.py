"""The server's private temporary folder: one sub-folder per batch of uploads, under a random name, deleted when
the batch has been idle for ``ttl`` seconds, when the user deletes it, and when the server stops.

No name from a request is ever used as a path: a batch folder is a random token, an upload is stored as
``in/NNN/<safe name>`` where NNN is its number in the batch and the safe name keeps only letters, digits (any
script) and a few punctuation marks of the name the browser sent (the name is shown, escaped, as sent).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..verify import FileReport

_KEEP = re.compile(r"[^\w .()\[\]（）【】+-]")
NAME_MAX = 80


def safe_name(name: str) -> str:
    """A file name derived from a browser's name: last component only, no path characters, no leading dot."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _KEEP.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(suffix) <= 8:
        base = f"{stem[:NAME_MAX]}.{suffix}" if stem else f"文件.{suffix}"
    else:
        base = base[:NAME_MAX]
    return base or "文件"


@dataclass
class Entry:
    """One uploaded file of a batch."""

    number: int
    name: str  # as the browser (or the zip) named it: shown escaped, never used as a path
    stored: str  # relative to the batch's upload folder: NNN/<safe name>
    report: FileReport | None = None
    annotated: str | None = None  # the annotated copy (server path), when the file is a workbook we could open
    failed: str | None = None  # the worker itself failed (e.g. killed): the file's result is this message

    @property
    def done(self) -> bool:
        return self.report is not None or self.failed is not None


@dataclass
class Batch:
    id: str
    session: str
    folder: Path
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left out of a zip, and why
    touched: float = field(default_factory=time.monotonic)

    @property
    def uploads(self) -> Path:
        return self.folder / "in"

    @property
    def outputs(self) -> Path:
        return self.folder / "out"

    @property
    def done(self) -> int:
        return sum(1 for e in self.entries if e.done)

    @property
    def finished(self) -> bool:
        return self.done == len(self.entries)

    def entry(self, number: int) -> Entry | None:
        return next((e for e in self.entries if e.number == number), None)

    def add(self, name: str) -> tuple[Entry, Path]:
        """A new entry and the path to write its bytes to."""
        number = len(self.entries) + 1
        stored = f"{number:03d}/{safe_name(name)}"
        path = self.uploads / stored
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = Entry(number, name, stored)
        self.entries.append(entry)
        return entry, path

    def output(self, suffix: str) -> Path:
        """A fresh server-named output file."""
        self.outputs.mkdir(parents=True, exist_ok=True)
        return self.outputs / f"{secrets.token_hex(8)}{suffix}"


class Storage:
    """The batches of every session, in one private folder (mode 0700)."""

    def __init__(self, ttl: float = 1800.0, root: str | Path | None = None) -> None:
        self.ttl = ttl
        self.root = Path(tempfile.mkdtemp(prefix="juesuan-serve-", dir=root))
        os.chmod(self.root, 0o700)
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()

    def new_batch(self, session: str) -> Batch:
        token = secrets.token_urlsafe(18)
        folder = self.root / token
        (folder / "in").mkdir(parents=True)
        batch = Batch(token, session, folder)
        with self._lock:
            self._batches[token] = batch
        return batch

    def scratch(self, suffix: str) -> Path:
        """A fresh server-named file for a job outside a batch (a generated template)."""
        folder = self.root / "scratch"
        folder.mkdir(exist_ok=True)
        return folder / f"{secrets.token_hex(8)}{suffix}"

    def get(self, token: str, session: str) -> Batch | None:
        """The batch, if it exists and belongs to this session (another session's batch does not exist for it)."""
        with self._lock:
            batch = self._batches.get(token)
        if batch is None or not secrets.compare_digest(batch.session, session):
            return None
        batch.touched = time.monotonic()
        return batch

    def batches(self) -> list[Batch]:
        with self._lock:
            return list(self._batches.values())

    def delete(self, token: str) -> None:
        with self._lock:
            batch = self._batches.pop(token, None)
        if batch is not None:
            shutil.rmtree(batch.folder, ignore_errors=True)

    def expire(self, now: float | None = None) -> int:
        """Delete batches idle for longer than ``ttl`` (and stray scratch files as old); how many batches went."""
        now = time.monotonic() if now is None else now
        old = [b.id for b in self.batches() if now - b.touched > self.ttl]
        for token in old:
            self.delete(token)
        scratch = self.root / "scratch"
        if scratch.is_dir():
            limit = time.time() - self.ttl
            for path in scratch.iterdir():
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
        return len(old)

    def stored_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    def close(self) -> None:
        with self._lock:
            self._batches.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
