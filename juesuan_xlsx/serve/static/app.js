// juesuan-xlsx serve: the page's few behaviours, plain JavaScript, nothing loaded from elsewhere.
// Upload with a progress bar, then a progress bar while the files are checked; sortable results table.
"use strict";

function csrfOf(form) {
  const field = form.querySelector('input[name="csrf"]');
  return field ? field.value : "";
}

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("files");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const error = document.getElementById("upload-error");
  const MB = 1024 * 1024;
  const fileLimit = Number(form.dataset.fileLimit);
  const requestLimit = Number(form.dataset.requestLimit);
  const filesLimit = Number(form.dataset.filesLimit);
  let files = [];

  function show(list) {
    files = Array.from(list);
    chosen.textContent = files.length ? "已选择 " + files.length + " 个文件：" + files.map((f) => f.name).join("、") : "";
  }
  const folder = document.getElementById("folder");
  const kinds = /\.(xlsx|xlsm|xls|et|pdf|docx|txt|html?|zip)$/i;
  input.addEventListener("change", () => show(input.files));
  // a folder: the files the page can check, without hidden files and Office lock files (~$…)
  folder.addEventListener("change", () => show(Array.from(folder.files).filter(
    (f) => kinds.test(f.name) && !/^(~\$|\.)/.test(f.name))));
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => { if (e.dataTransfer && e.dataTransfer.files.length) show(e.dataTransfer.files); });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!files.length) { error.textContent = "没有选择文件。请选择或拖入要校验的文件。"; return; }
    const big = files.find((f) => f.size > fileLimit);
    const total = files.reduce((s, f) => s + f.size, 0);
    if (big) { error.textContent = "文件“" + big.name + "”过大：每个文件最多 " + Math.floor(fileLimit / MB) + " MB。"; return; }
    if (total > requestLimit || files.length > filesLimit) {
      error.textContent = "上传内容过大：一次最多上传 " + Math.floor(requestLimit / MB) + " MB、" + filesLimit + " 个文件。请分批上传。";
      return;
    }
    const data = new FormData();
    data.append("csrf", csrfOf(form));
    files.forEach((f) => data.append("files", f, f.webkitRelativePath || f.name));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("X-CSRF-Token", csrfOf(form));
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) { bar.value = (100 * p.loaded) / p.total; text.textContent = "上传中 " + Math.round(bar.value) + "%"; }
    });
    xhr.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (_) { answer = { error: "服务器返回了无法识别的内容（" + xhr.status + "）。" }; }
      if (xhr.status === 200 && answer.url) { text.textContent = "上传完成，正在校验……"; window.location.href = answer.url; }
      else { bar.hidden = true; text.textContent = ""; error.textContent = answer.error || "上传失败（" + xhr.status + "）。"; }
    });
    xhr.addEventListener("error", () => { bar.hidden = true; text.textContent = ""; error.textContent = "上传失败：连接中断（文件可能过大）。"; });
    xhr.send(data);
  });
}

function setupProgress() {
  const results = document.getElementById("results");
  if (!results || results.dataset.finished === "yes") return;
  const bar = document.getElementById("check-progress");
  const text = document.getElementById("check-text");
  function poll() {
    fetch(results.dataset.status, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((s) => {
        bar.max = s.total; bar.value = s.done; text.textContent = s.done + "/" + s.total;
        if (s.finished) window.location.reload(); else setTimeout(poll, 500);
      })
      .catch(() => setTimeout(poll, 2000));
  }
  setTimeout(poll, 300);
}

function setupSort() {
  document.querySelectorAll("table.sortable").forEach((table) => {
    table.querySelectorAll("th").forEach((th) => {
      th.addEventListener("click", () => {
        const key = th.dataset.key;
        const numeric = th.dataset.type === "number";
        const asc = !th.classList.contains("asc");
        table.querySelectorAll("th").forEach((h) => h.classList.remove("asc", "desc"));
        th.classList.add(asc ? "asc" : "desc");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = a.dataset[key] || "", y = b.dataset[key] || "";
          const c = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
          return asc ? c : -c;
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => { setupUpload(); setupProgress(); setupSort(); });
