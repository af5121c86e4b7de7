"""The web page (juesuan-xlsx serve, issue 16) through Starlette's test client: upload, results, downloads, limits,
hostile files, CSRF; the texts on the page are the CLI's."""

from __future__ import annotations

import html
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from juesuan_xlsx.report import render_file
from juesuan_xlsx.serve.app import Limits, create_app
from juesuan_xlsx.serve.storage import Storage, safe_name
from juesuan_xlsx.verify import verify

from .hostile import build_all

SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-2024.xlsx"
BASE = "http://127.0.0.1"


def damaged_copy(folder: Path) -> Path:
    """The example with one formula pasted over by a number (公开01表's first formula cell)."""
    wb = openpyxl.load_workbook(SEED)
    sheet = next(ws for ws in wb.worksheets if ws.title == "公开01表")
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("="))
    cell.value = 99999
    path = folder / "损坏的报表.xlsx"
    wb.save(path)
    return path


def token(client: TestClient) -> str:
    page = client.get("/")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found[1]


def upload(client: TestClient, files: list[tuple[str, bytes]], csrf: str | None = None) -> str:
    answer = client.post("/verify", data={"csrf": csrf or token(client)},
                         files=[("files", (name, data)) for name, data in files], follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def finished(client: TestClient, url: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get(f"{url}/status").json()["finished"]:
            page = client.get(url)
            assert page.status_code == 200
            return page.text
        time.sleep(0.2)
    raise AssertionError("not finished in time")


@pytest.fixture(scope="module")
def app_client() -> Iterator[TestClient]:
    with TestClient(create_app(jobs=2), base_url=BASE) as client:
        yield client


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return damaged_copy(tmp_path_factory.mktemp("damaged"))


@pytest.fixture(scope="module")
def checked(app_client: TestClient, damaged: Path) -> tuple[str, str]:
    """The example (under a name with markup) and the damaged copy, uploaded together: (results url, page)."""
    url = upload(app_client, [("<b>示例</b>.xlsx", SEED.read_bytes()), (damaged.name, damaged.read_bytes())])
    return url, finished(app_client, url)


def test_the_page_sets_a_strict_session_cookie_and_safe_headers(app_client: TestClient) -> None:
    fresh = TestClient(app_client.app, base_url=BASE)
    page = fresh.get("/")
    assert page.status_code == 200
    assert "校验" in page.text and "生成模板" in page.text and "导出" in page.text and "汇总" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "http" not in re.sub(r'href="/|src="/', "", page.text).split("<body>", 1)[1].replace("https?", "")


def test_results_list_failing_first_with_the_cli_texts(checked: tuple[str, str], damaged: Path) -> None:
    _, page = checked
    rows = re.findall(r'<tr class="status-(\d)" data-name="([^"]*)"', page)
    assert [html.unescape(name) for _, name in rows] == ["损坏的报表.xlsx", "<b>示例</b>.xlsx"]
    assert [order for order, _ in rows] == ["0", "2"]
    assert "<b>示例</b>" not in page and "&lt;b&gt;示例&lt;/b&gt;.xlsx" in page  # escaped
    report = verify(damaged).report
    report.path = damaged.name
    lines = render_file(report)
    assert "I-公式被改写" in "\n".join(lines)
    for line in lines:
        assert html.escape(line.strip(), quote=True) in page or html.escape(line.strip().strip("【】")) in page, line
    assert "中共株洲市渌口区委机构编制委员会办公室" in page and "2024" in page and "通用格式" in page


def test_downloads_annotated_copy_json_and_summary(app_client: TestClient, checked: tuple[str, str]) -> None:
    url, page = checked
    numbers = dict(re.findall(r'<details class="card file status-\d" id="file-(\d+)"[^>]*>\s*<summary><span '
                              r'class="status">([^<]+)</span>', page))
    bad = next(n for n, status in numbers.items() if status == "有错误")
    answer = app_client.get(f"{url}/f/{bad}/annotated")
    assert answer.status_code == 200
    assert "%E6%A0%87%E6%B3%A8.xlsx" in answer.headers["content-disposition"]  # 损坏的报表.标注.xlsx
    wb = openpyxl.load_workbook(io.BytesIO(answer.content))
    comments = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any("I-公式被改写" in text for text in comments)

    report = json.loads(app_client.get(f"{url}/report.json").content)
    assert sorted(f["path"] for f in report["files"]) == ["<b>示例</b>.xlsx", "损坏的报表.xlsx"]
    assert report["valid"] is False and "juesuan-serve" not in json.dumps(report)

    summary = app_client.post(f"{url}/summary", data={"csrf": token(app_client)})
    assert summary.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(summary.content)).active
    assert sheet is not None
    assert "损坏的报表" in " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)


def test_export_of_a_passed_file_and_refusal_of_a_failing_one(app_client: TestClient, checked: tuple[str, str]) -> None:
    url, page = checked
    good = re.search(r'action="(/b/[^"]+/f/(\d+)/export)"', page)
    assert good is not None
    docx = app_client.post(good[1], data={"csrf": token(app_client), "to": "docx"})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx.content)).namelist()
    # 受控舍入 needs figures in 元: on this 万元 return it is refused with the reason, nothing is sent
    balanced = app_client.post(good[1], data={"csrf": token(app_client), "to": "docx", "balanced": "1"})
    assert balanced.status_code == 409 and "元" in balanced.text
    other = "1" if good[2] == "2" else "2"
    refused = app_client.post(f"{url}/f/{other}/export", data={"csrf": token(app_client), "to": "docx"})
    assert refused.status_code == 409 and "未通过校验" in refused.text
    odd = app_client.post(good[1], data={"csrf": token(app_client), "to": "../../etc/passwd"})
    assert odd.status_code == 400 and "不支持导出" in odd.text


def test_generate_a_template(app_client: TestClient) -> None:
    answer = app_client.post("/new", data={"csrf": token(app_client), "year": "2024", "profile": "central",
                                           "dept": "某某局", "codes": "2013201,2080505"})
    assert answer.status_code == 200, answer.text
    assert "%E6%9F%90%E6%9F%90%E5%B1%80" in answer.headers["content-disposition"]  # 某某局
    wb = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert "公开01表" in wb.sheetnames
    bad = app_client.post("/new", data={"csrf": token(app_client), "year": "2024", "codes": "20x"})
    assert bad.status_code == 400 and "格式不对" in bad.text


def test_generate_a_template_in_yuan(app_client: TestClient) -> None:
    """The page's 金额单位 choice is ``new --unit``: a 元 workbook with a 万元 view of each table."""
    answer = app_client.post("/new", data={"csrf": token(app_client), "year": "2024", "profile": "central",
                                           "unit": "元"})
    assert answer.status_code == 200, answer.text
    wb = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert "公开01表（万元）" in wb.sheetnames
    assert any(p.name == "juesuan-unit" and p.value == "元" for p in wb.custom_doc_props)
    odd = app_client.post("/new", data={"csrf": token(app_client), "year": "2024", "unit": "千元"})
    assert odd.status_code == 400 and "金额单位" in odd.text


def test_forms_refuse_cross_site_and_missing_tokens(app_client: TestClient, checked: tuple[str, str]) -> None:
    url, _ = checked
    files = [("files", ("a.xlsx", SEED.read_bytes()))]
    no_token = app_client.post("/verify", data={"csrf": "0" * 64}, files=files)
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    foreign = app_client.post("/verify", data={"csrf": token(app_client)}, files=files,
                              headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "其他网站" in foreign.text
    stranger = TestClient(app_client.app, base_url=BASE)  # another browser: no cookie, then its own session
    assert stranger.post("/verify", data={"csrf": token(app_client)}, files=files).status_code == 403
    assert stranger.get(url).status_code == 404  # a batch exists only for the session that uploaded it
    assert stranger.post(f"{url}/summary", data={"csrf": token(stranger)}).status_code == 404
    assert TestClient(app_client.app, base_url="http://evil.example").get("/").status_code == 400  # DNS rebinding


def test_no_listing_no_traversal(app_client: TestClient) -> None:
    assert app_client.get("/static/").status_code == 404
    assert app_client.get("/static/app.js").status_code == 200
    assert app_client.get("/static/../app.py").status_code == 404
    assert app_client.get("/static/%2e%2e/app.py").status_code == 404
    assert app_client.get("/b/..%2f..%2fetc").status_code == 404
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\boot.ini") == "boot.ini"
    assert "/" not in safe_name("a/b\x00c.xlsx") and safe_name(".bashrc") == "bashrc" and safe_name("") == "文件"


def test_a_zipped_folder_and_traversing_names(app_client: TestClient, damaged: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("回收/本级.xlsx", SEED.read_bytes())
        archive.writestr("回收/下级/../../../escape.xlsx", damaged.read_bytes())
        archive.writestr("回收/说明.doc", b"not a return")
        archive.writestr("__MACOSX/._本级.xlsx", b"junk")
    url = upload(app_client, [("回收.zip", buffer.getvalue())])
    page = finished(app_client, url)
    assert "回收.zip/回收/本级.xlsx" in page and "escape.xlsx" in page
    assert "说明.doc：不是可校验的文件类型" in page
    assert page.count('<tr class="status-') == 2


def test_limits_are_said_in_chinese() -> None:
    limits = Limits(file_bytes=2000, request_bytes=50_000, files=3, zip_bytes=3000)
    with TestClient(create_app(jobs=1, limits=limits), base_url=BASE) as client:
        csrf = token(client)
        big = client.post("/verify", data={"csrf": csrf}, files=[("files", ("大.xlsx", b"x" * 3000))])
        assert big.status_code == 413 and "每个文件最多" in big.text and "大.xlsx" in big.text
        huge = client.post("/verify", data={"csrf": csrf}, files=[("files", ("巨.xlsx", b"x" * 60_000))],
                           headers={"X-Requested-With": "fetch"})
        assert huge.status_code == 413 and "一次最多上传" in huge.json()["error"]
        many = client.post("/verify", data={"csrf": csrf}, files=[("files", (f"{i}.txt", b"x")) for i in range(4)])
        assert many.status_code == 413 and "文件过多" in many.text
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("a.xlsx", bytes(1800))
            archive.writestr("b.xlsx", bytes(1800))
        bomb = client.post("/verify", data={"csrf": csrf}, files=[("files", ("z.zip", buffer.getvalue()))])
        assert bomb.status_code == 413 and "解压后过大" in bomb.text
        none = client.post("/verify", data={"csrf": csrf})
        assert none.status_code == 400 and "没有选择文件" in none.text
        assert client.get("/").status_code == 200
        root = client.app.state.server.storage.root  # type: ignore[attr-defined]
        assert [p for p in root.rglob("*") if p.is_file()] == []  # refused uploads leave nothing behind


def test_hostile_files_each_get_a_finding_and_the_server_survives(app_client: TestClient, tmp_path: Path) -> None:
    hostile = build_all(tmp_path)
    files = [(f"{name}{path.suffix}", path.read_bytes()) for name, path in hostile.items()
             if path.is_file() and path.stat().st_size <= 40 * 1024 * 1024]
    answer = app_client.post("/verify", data={"csrf": token(app_client)},
                             files=[("files", (n, d)) for n, d in files], follow_redirects=False)
    if answer.status_code == 303:
        page = finished(app_client, str(answer.headers["location"]), seconds=300)
        assert page.count('<tr class="status-') == len(files)
        assert "校验中" not in page and "处理进程意外退出" not in page
    else:  # a zip that is no Office file is opened as a folder: a bomb inside is refused with a sentence
        assert answer.status_code == 413 and "解压后过大" in answer.text
        for name, data in files:
            single = app_client.post("/verify", data={"csrf": token(app_client)}, files=[("files", (name, data))],
                                     follow_redirects=False)
            assert single.status_code in (303, 413, 400), (name, single.text)
            if single.status_code == 303:
                page = finished(app_client, str(single.headers["location"]), seconds=120)
                assert "class=\"findings\"" in page or "无法校验" in page, name
    url = upload(app_client, [("again.xlsx", SEED.read_bytes())])
    assert "通过" in finished(app_client, url)


def test_storage_expires_and_is_deleted_on_close(tmp_path: Path) -> None:
    storage = Storage(ttl=10, root=tmp_path)
    batch = storage.new_batch("s" * 40)
    _, path = batch.add("../x.xlsx")
    path.write_bytes(b"data")
    assert path.is_relative_to(batch.uploads) and path.name == "x.xlsx"
    assert storage.get(batch.id, "t" * 40) is None and storage.get(batch.id, "s" * 40) is batch
    assert storage.expire(now=time.monotonic()) == 0 and path.exists()
    assert storage.expire(now=time.monotonic() + 11) == 1 and not batch.folder.exists()
    storage.close()
    assert not storage.root.exists()


def test_the_page_deletes_its_folder_on_exit(damaged: Path) -> None:
    app = create_app(jobs=1)
    with TestClient(app, base_url=BASE) as client:
        url = upload(client, [("x.xlsx", damaged.read_bytes())])
        finished(client, url)
        root = app.state.server.storage.root
        assert any(root.rglob("*.xlsx"))
        deleted = client.post(f"{url}/delete", data={"csrf": token(client)}, follow_redirects=False)
        assert deleted.status_code == 303 and not any(root.rglob("*.xlsx"))
        assert client.get(url).status_code == 404
    assert not root.exists()
    assert damaged.exists()  # inputs are never touched
