// Browser uploads: files and folders by picker or drag and drop, a progress bar per file.
// Small text files go inline in the commit; large or binary ones (the server decides, through
// the preupload API) are hashed here, sent through the Git LFS batch API straight to the
// signed upload URL (the hub's, or a bucket's on another origin), verified, and referenced in
// the commit by their sha256.
"use strict";

(function () {
  // SHA-256 (FIPS 180-4), incremental, so a file of any size is hashed chunk by chunk.
  // Web Crypto cannot digest a stream and is missing on hubs served over plain http.
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
      this.block = new Uint8Array(64);
      this.used = 0;
      this.length = 0;
      this.w = new Uint32Array(64);
    }

    update(data) {
      let i = 0;
      this.length += data.length;
      if (this.used) {
        const take = Math.min(64 - this.used, data.length);
        this.block.set(data.subarray(0, take), this.used);
        this.used += take;
        i = take;
        if (this.used < 64) return this;
        this.compress(this.block, 0);
        this.used = 0;
      }
      for (; i + 64 <= data.length; i += 64) this.compress(data, i);
      if (i < data.length) {
        this.block.set(data.subarray(i), 0);
        this.used = data.length - i;
      }
      return this;
    }

    compress(bytes, offset) {
      const w = this.w;
      for (let t = 0; t < 16; t++) {
        const j = offset + t * 4;
        w[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15], y = w[t - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      const h = this.h;
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let t = 0; t < 64; t++) {
        const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }

    hex() {
      const size = this.used < 56 ? 64 : 128;
      const tail = new Uint8Array(size);
      tail.set(this.block.subarray(0, this.used));
      tail[this.used] = 0x80;
      const bits = this.length * 8;
      const view = new DataView(tail.buffer);
      view.setUint32(size - 8, Math.floor(bits / 0x100000000));
      view.setUint32(size - 4, bits >>> 0);
      for (let i = 0; i < size; i += 64) this.compress(tail, i);
      return Array.from(this.h, function (n) { return n.toString(16).padStart(8, "0"); }).join("");
    }
  }

  const HASH_CHUNK = 4 * 1024 * 1024;
  const form = document.getElementById("upload-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById("upload-list");
  const submit = document.getElementById("upload-submit");
  const status = document.getElementById("upload-status");
  const dropzone = document.getElementById("dropzone");
  const folder = form.dataset.folder ? form.dataset.folder + "/" : "";
  let items = [];

  function human(bytes) {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let n = bytes, i = 0;
    // 1024-based, as the file pages show sizes.
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function addFile(file, path) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.className = "path";
    name.textContent = folder + path + " (" + human(file.size) + ")";
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Progress of " + path);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "ready";
    row.append(name, bar, state);
    list.appendChild(row);
    items.push({ file: file, path: folder + path, bar: bar, state: state });
    submit.disabled = false;
  }

  function setState(item, text, percent, isError) {
    item.state.textContent = text;
    item.state.classList.toggle("error", Boolean(isError));
    if (percent !== undefined) item.bar.value = percent;
  }

  document.getElementById("pick-files").addEventListener("change", function (event) {
    Array.from(event.target.files).forEach(function (f) { addFile(f, f.name); });
  });
  document.getElementById("pick-folder").addEventListener("change", function (event) {
    Array.from(event.target.files).forEach(function (f) { addFile(f, f.webkitRelativePath || f.name); });
  });

  function readEntries(reader) {
    return new Promise(function (resolve, reject) { reader.readEntries(resolve, reject); });
  }

  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise(function (resolve, reject) { entry.file(resolve, reject); });
      addFile(file, prefix + file.name);
      return;
    }
    const reader = entry.createReader();
    // readEntries answers in batches until it returns an empty one.
    for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, prefix + entry.name + "/");
    }
  }

  dropzone.addEventListener("dragover", function (event) {
    event.preventDefault();
    dropzone.classList.add("over");
  });
  dropzone.addEventListener("dragleave", function () { dropzone.classList.remove("over"); });
  dropzone.addEventListener("drop", function (event) {
    event.preventDefault();
    dropzone.classList.remove("over");
    const entries = Array.from(event.dataTransfer.items)
      .map(function (item) { return item.webkitGetAsEntry && item.webkitGetAsEntry(); });
    if (entries.every(Boolean)) {
      entries.forEach(function (entry) { walk(entry, ""); });
    } else {
      Array.from(event.dataTransfer.files).forEach(function (f) { addFile(f, f.name); });
    }
  });

  async function jsonRequest(url, body, contentType) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": contentType, Accept: contentType, "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    const payload = await response.json();
    if (!response.ok) throw new Error(payload.error || payload.message || response.statusText);
    return payload;
  }

  function base64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  async function bytesOf(blob) {
    return new Uint8Array(await blob.arrayBuffer());
  }

  async function preupload() {
    const files = await Promise.all(items.map(async function (item) {
      return { path: item.path, size: item.file.size, sample: base64(await bytesOf(item.file.slice(0, 512))) };
    }));
    const url = form.dataset.api + "/preupload/" + encodeURIComponent(form.dataset.rev);
    const answer = await jsonRequest(url, { files: files }, "application/json");
    const modes = new Map(answer.files.map(function (f) { return [f.path, f.uploadMode]; }));
    items.forEach(function (item) { item.lfs = modes.get(item.path) === "lfs"; });
  }

  async function hash(item) {
    const digest = new Sha256();
    for (let start = 0; start < item.file.size; start += HASH_CHUNK) {
      digest.update(await bytesOf(item.file.slice(start, start + HASH_CHUNK)));
      const done = Math.min(start + HASH_CHUNK, item.file.size) / item.file.size;
      setState(item, "hashing " + Math.round(done * 100) + "%", Math.round(done * 10));
    }
    return digest.hex();
  }

  // Resolves with the finished XMLHttpRequest (its body and headers).
  function send(method, url, body, headers, onProgress) {
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.entries(headers).forEach(function (pair) { xhr.setRequestHeader(pair[0], pair[1]); });
      xhr.upload.onprogress = function (event) { if (event.lengthComputable) onProgress(event.loaded / event.total); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
        else reject(new Error(errorText(xhr)));
      };
      // A bucket without a CORS rule for this page's origin ends here too (see operations.md).
      xhr.onerror = function () { reject(new Error("network error or refused by the storage (CORS)")); };
      xhr.send(body);
    });
  }

  // The CSRF token goes to the hub only, never to a bucket's presigned URL on another origin
  // (where an unexpected header would also fail the CORS preflight).
  function headersFor(url, extra) {
    const headers = Object.assign({}, extra || {});
    if (new URL(url, window.location.href).origin === window.location.origin) {
      headers["X-CSRFToken"] = csrf;
    }
    return headers;
  }

  // The multipart transfer, as huggingface_hub speaks it: each part to its own URL, then the
  // parts' ETags to the upload link, which completes the object.
  async function uploadParts(item, action, onProgress) {
    const chunk = Number(action.header.chunk_size);
    const parts = [];
    for (let number = 1; action.header[String(number)]; number++) {
      const url = action.header[String(number)];
      const start = (number - 1) * chunk;
      const part = item.file.slice(start, start + chunk);
      const xhr = await send("PUT", url, part, headersFor(url), function (done) {
        onProgress((start + done * part.size) / item.file.size);
      });
      const etag = xhr.getResponseHeader("ETag");
      if (!etag) throw new Error("the storage hid the part's ETag (bucket CORS must expose ETag)");
      parts.push({ partNumber: number, etag: etag });
    }
    await jsonRequest(action.href, { oid: item.oid, parts: parts }, "application/vnd.git-lfs+json");
  }

  function errorText(xhr) {
    try { return JSON.parse(xhr.responseText).error || xhr.statusText; }
    catch (_) { return xhr.getResponseHeader("X-Error-Message") || xhr.statusText || "HTTP " + xhr.status; }
  }

  async function uploadLfs(item) {
    item.oid = await hash(item);
    const lfsJson = "application/vnd.git-lfs+json";
    const answer = await jsonRequest(form.dataset.batch, {
      operation: "upload", transfers: ["basic", "multipart"], hash_algo: "sha256",
      ref: { name: form.dataset.rev }, objects: [{ oid: item.oid, size: item.file.size }],
    }, lfsJson);
    const object = answer.objects[0];
    if (object.error) throw new Error(object.error.message);
    const actions = object.actions || {};
    const action = actions.upload;
    if (!action) {
      setState(item, "already stored", 100);
      return;
    }
    const progress = function (done) {
      setState(item, "uploading " + human(done * item.file.size) + " / " + human(item.file.size),
        10 + Math.round(done * 90));
    };
    if (action.header && action.header.chunk_size) {
      await uploadParts(item, action, progress);
    } else {
      await send("PUT", action.href, item.file, headersFor(action.href, action.header), progress);
    }
    if (actions.verify) {
      // A bucket keeps the bytes aside until the hub has checked their size and sha256.
      setState(item, "verifying", 100);
      await jsonRequest(actions.verify.href, { oid: item.oid, size: item.file.size }, lfsJson);
    }
    setState(item, "stored", 100);
  }

  async function commitLines(regular) {
    const lines = [{ key: "header", value: {
      summary: form.elements.summary.value.trim() || "Upload files",
      description: form.elements.description.value,
    } }];
    for (const item of regular) {
      const content = base64(await bytesOf(item.file));
      lines.push({ key: "file", value: { path: item.path, content: content, encoding: "base64" } });
    }
    items.filter(function (item) { return item.lfs; }).forEach(function (item) {
      lines.push({ key: "lfsFile", value: { path: item.path, algo: "sha256", oid: item.oid, size: item.file.size } });
    });
    return lines.map(function (line) { return JSON.stringify(line); }).join("\n") + "\n";
  }

  async function commit() {
    const regular = items.filter(function (item) { return !item.lfs; });
    const body = await commitLines(regular);
    const pr = form.elements.create_pr.checked ? "?create_pr=1" : "";
    const url = form.dataset.api + "/commit/" + encodeURIComponent(form.dataset.rev) + pr;
    const xhr = await send("POST", url, body,
      { "Content-Type": "application/x-ndjson", "X-CSRFToken": csrf },
      function (done) { regular.forEach(function (item) { setState(item, "sending", Math.round(done * 100)); }); });
    regular.forEach(function (item) { setState(item, "committed", 100); });
    return JSON.parse(xhr.responseText);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    submit.disabled = true;
    status.textContent = "Uploading…";
    try {
      await preupload();
      for (const item of items.filter(function (i) { return i.lfs; })) {
        await uploadLfs(item).catch(function (error) { setState(item, error.message, undefined, true); throw error; });
      }
      const result = await commit();
      status.textContent = "Committed. Opening the commit…";
      window.location.assign(result.pullRequestUrl || result.commitUrl);
    } catch (error) {
      status.textContent = "Upload failed: " + error.message;
      submit.disabled = false;
    }
  });
})();
