"""The web page in a real browser (issue 16): Debian's chromium, headless, driven by Selenium through Debian's
chromium-driver.  Uploads the example and a damaged copy, reads the findings, downloads the annotated copy and
checks it, and renders the screenshot the README shows (docs/images/serve-校验.png).

Skipped locally without chromium; required under CI (``bash .ci/lo-install.sh`` installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from juesuan_xlsx.serve.app import create_app

from .test_serve import SEED, damaged_copy

pytestmark = pytest.mark.browser
IMAGE = Path(__file__).resolve().parent.parent / "docs" / "images" / "serve-校验.png"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"chromium is required when CI=true: {reason}", pytrace=False)
    pytest.skip(f"chromium not available: {reason}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The page on 127.0.0.1 and a free port, served by uvicorn in a thread."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(jobs=2), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        _missing(f"selenium: {exc}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing("chromium or chromedriver not on PATH (bash .ci/lo-install.sh installs them)")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1600", "--lang=zh-CN"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": True})
    driver = webdriver.Chrome(service=Service(str(driver_path)), options=options)
    driver.set_page_load_timeout(60)
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver, downloads
    finally:
        driver.quit()


def wait_for(condition: Any, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_upload_read_findings_download_annotated(server: str, browser: tuple[Any, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver, downloads = browser
    damaged = damaged_copy(tmp_path)
    example = tmp_path / "示例单位.xlsx"
    example.write_bytes(SEED.read_bytes())
    driver.get(server + "/")
    assert "校验回收的报表" in driver.page_source
    driver.find_element(By.ID, "files").send_keys(f"{example}\n{damaged}")
    assert "已选择 2 个文件" in driver.find_element(By.ID, "chosen").text
    driver.find_element(By.ID, "check").click()
    wait_for(lambda: "/b/" in driver.current_url and driver.find_elements(By.CSS_SELECTOR, "details.file"))

    rows = driver.find_elements(By.CSS_SELECTOR, "#files-table tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td.status").text for r in rows] == ["有错误", "通过"]
    failing = driver.find_element(By.CSS_SELECTOR, "details.file.status-0")
    assert failing.get_attribute("open") is not None  # a failing file opens by itself
    findings = failing.find_elements(By.CSS_SELECTOR, "ul.findings li.error")
    assert any("I-公式被改写" in li.text for li in findings)
    assert "损坏的报表.xlsx" in failing.text

    header = driver.find_element(By.CSS_SELECTOR, "#files-table th[data-key='name']")
    header.click()  # sortable: by name, in Chinese (pinyin) order
    names = [r.get_attribute("data-name") for r in driver.find_elements(By.CSS_SELECTOR, "#files-table tbody tr")]
    assert names == ["示例单位.xlsx", "损坏的报表.xlsx"]
    driver.find_element(By.CSS_SELECTOR, "#files-table th[data-key='order']").click()  # by status: failing first
    names = [r.get_attribute("data-name") for r in driver.find_elements(By.CSS_SELECTOR, "#files-table tbody tr")]
    assert names == ["损坏的报表.xlsx", "示例单位.xlsx"]

    driver.execute_script("window.scrollTo(0, 0)")
    IMAGE.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(IMAGE))
    assert IMAGE.stat().st_size > 10_000

    failing.find_element(By.CSS_SELECTOR, "a.annotated").click()
    target = downloads / "损坏的报表.标注.xlsx"
    wait_for(lambda: target.is_file() and not list(downloads.glob("*.crdownload")), 60)
    wb = openpyxl.load_workbook(target)
    comments = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any("I-公式被改写" in text for text in comments)
    assert damaged.read_bytes() == damaged.read_bytes()  # the upload is a copy; the input is untouched
