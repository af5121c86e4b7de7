"""docx → pdf with a headless LibreOffice Writer (``soffice --convert-to pdf``), own profile, bounded time.

The tests' UNO driver (``tests/libreoffice_driver.py``) drives Calc and only opens spreadsheets (Calc PDF filter), so
a document goes through the command-line converter instead.  On Debian/Ubuntu, Writer is a package of its own
(``libreoffice-writer-nogui``); a machine with only ``libreoffice-calc-nogui`` has ``soffice`` but cannot load a
.docx ("Error: source file could not be loaded", exit status 0), which is detected before and after converting.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..soffice import find_soffice
from .errors import PdfFailed, PdfUnavailable

WRITER_PACKAGE = "libreoffice-writer-nogui"
INSTALL_HINT = f"apt-get install --no-install-recommends {WRITER_PACKAGE}"
NO_SOFFICE = (f"导出 PDF 需要 LibreOffice（无界面版即可），本机没有找到 soffice。请安装 Debian/Ubuntu 软件包 "
              f"{WRITER_PACKAGE}（以 root 运行：{INSTALL_HINT}），或设置环境变量 JUESUAN_SOFFICE 指向 soffice；"
              "也可以先导出 docx，再用 Word 或 WPS 另存为 PDF。")
NO_WRITER = (f"导出 PDF 需要 LibreOffice Writer：本机的 LibreOffice（{{soffice}}）没有文字处理组件，无法打开 docx。"
             f"请安装 Debian/Ubuntu 软件包 {WRITER_PACKAGE}（以 root 运行：{INSTALL_HINT}）；"
             "也可以先导出 docx，再用 Word 或 WPS 另存为 PDF。")
TIMEOUT = 180.0


def writer_library(soffice: str) -> Path | None:
    """Writer's core library beside soffice (Linux: libswlo.so, from libreoffice-writer-nogui), if any."""
    folder = Path(os.path.realpath(soffice)).parent
    for name in ("libswlo.so", "libswlo.dylib", "swlo.dll"):
        if (folder / name).exists():
            return folder / name
    return None


def check_writer(soffice: str | None = None) -> str:
    """The soffice to use; :class:`PdfUnavailable` with the Chinese install hint when it cannot convert a docx."""
    soffice = soffice or find_soffice()
    if not soffice:
        raise PdfUnavailable(NO_SOFFICE)
    if sys.platform.startswith("linux") and writer_library(soffice) is None:
        raise PdfUnavailable(NO_WRITER.format(soffice=soffice))
    return soffice


def docx_to_pdf(docx: Path, pdf: Path, *, soffice: str | None = None, timeout: float = TIMEOUT) -> None:
    """Convert ``docx`` to ``pdf`` (the caller makes ``pdf`` atomic); raises PdfUnavailable / PdfFailed."""
    soffice = check_writer(soffice)
    with tempfile.TemporaryDirectory(prefix="juesuan-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        shutil.copyfile(docx, source)
        profile = (work / "profile").as_uri()
        command = [soffice, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile}",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the soffice.bin it started, nothing else
            proc.communicate()
            raise PdfFailed(f"LibreOffice 转换 PDF 超过 {timeout:.0f} 秒未完成，已停止。") from None
        produced = work / "out" / "document.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            detail = (err or out).decode("utf-8", "replace").strip().splitlines()
            reason = "；".join(line for line in detail if "javaldx" not in line)[-300:] or f"退出码 {proc.returncode}"
            if "could not be loaded" in reason:
                raise PdfUnavailable(NO_WRITER.format(soffice=soffice))
            raise PdfFailed(f"LibreOffice 没有生成 PDF：{reason}")
        shutil.copyfile(produced, pdf)
