// Network plumbing of the conformance run: a guard that keeps every
// connection on this machine, a recording proxy that captures the raw bytes
// of each answer the SDK gets, and the emulator's admin endpoints.
import http from "node:http";
import net from "node:net";

const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

/** isLoopbackHost reports whether host names this machine. */
export function isLoopbackHost(host) {
  return loopbackHosts.has(String(host).toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(String(host));
}

/**
 * guardNetwork makes every TCP connection to a host off this machine fail
 * before it is attempted (no DNS lookup, no packet), whoever opens it: the
 * SDK, got, or this program. The emulator accepts any token a test seeds, so
 * nothing of this run may ever reach Zoho or anyone else.
 */
export function guardNetwork() {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host = "localhost";
    if (first && typeof first === "object") {
      if (first.path) return connect.apply(this, args);
      host = first.host ?? "localhost";
    } else if (typeof args[1] === "string") {
      host = args[1];
    }
    if (!isLoopbackHost(host)) {
      throw new Error(`conformance: refused a connection to ${host}: nothing in this run may leave the machine`);
    }
    return connect.apply(this, args);
  };
}

/**
 * startRecordingProxy listens on 127.0.0.1 and forwards every request to
 * the emulator that target() names at the time, unchanged, and records each
 * exchange with the answer's raw status, headers and body bytes.
 */
export async function startRecordingProxy(target) {
  const exchanges = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const upstream = new URL(req.url, target());
      const headers = { ...req.headers, host: upstream.host };
      const out = http.request(upstream, { method: req.method, headers }, (up) => {
        const parts = [];
        up.on("data", (c) => parts.push(c));
        up.on("end", () => {
          const raw = Buffer.concat(parts);
          exchanges.push({ method: req.method, url: req.url, requestHeaders: req.headers, requestBody: body, status: up.statusCode, headers: up.headers, body: raw });
          res.writeHead(up.statusCode, up.headers);
          res.end(raw);
        });
      });
      out.on("error", (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      out.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    exchanges,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** request is a small HTTP client for the admin endpoints and raw fetches. */
export function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Admin drives one emulator's /_emulator/ endpoints. */
export class Admin {
  constructor(url) {
    this.url = url;
  }

  async call(method, path, body) {
    const res = await request(this.url + "/_emulator/" + path, { method, body });
    if (res.status >= 300) {
      throw new Error(`emulator admin ${method} ${path}: HTTP ${res.status}: ${res.body}`);
    }
    return res.body.length ? JSON.parse(res.body) : null;
  }

  reset() {
    return this.call("POST", "reset");
  }

  seed(status, rrule = "") {
    const q = new URLSearchParams({ status, rrule });
    return this.call("POST", "backups?" + q);
  }

  setStatus(id, status) {
    return this.call("PUT", `backups/${id}?status=${status}`);
  }

  /** downloadSHA256 is the hex SHA-256 of what link serves now, by the emulator. */
  async downloadSHA256(link) {
    return (await this.call("GET", "downloads/sha256?link=" + encodeURIComponent(link))).sha256;
  }

  /** injectDownloadFault queues a download fault ({"error":"FORBIDDEN","times":2}...). */
  injectDownloadFault(fault) {
    return this.call("POST", "downloads/faults", JSON.stringify(fault));
  }

  clearDownloadFaults() {
    return this.call("DELETE", "downloads/faults");
  }
}
