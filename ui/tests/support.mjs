// Shared by the browser tests: serve the harness build, start headless Chromium (Debian's), and
// open the UI with the IPC answers a test gives.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../dist-harness/", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json" };

export async function serveHarness() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path === "/" ? "tests/harness/index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export const defaultSettings = { paused: false, start_at_login: true, log_retention_days: 90, notifications: true, language: "en" };
export const defaultStatus = { paused: false, enabled_flows: [], secret_backend: { kind: "os_keyring", name: "the Secret Service keyring" }, data_dir: "/tmp/x" };

/** An activity event as the engine records it. */
export function event(id, message, extra = {}) {
  return { id, at: new Date(Date.UTC(2026, 10, 28, 9, 0, id)).toISOString(), level: "info", flow: null, record: null, details: null, message, ...extra };
}

/**
 * Opens the UI with canned answers: `settings`, `status`, and `events` (the store the mocked
 * `query_events` filters and pages like the engine does).
 */
export async function openUi(browser, url, { settings = defaultSettings, status = defaultStatus, events = [] } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.addInitScript(
    ({ settings, status, events }) => {
      window.__harnessSetup = (h) => {
        h.respond("get_settings", settings);
        h.respond("get_status", status);
        h.respond("save_settings", null);
        h.respond("set_paused", null);
        h.respond("sync_now", null);
        const rank = { debug: 0, info: 1, warn: 2, error: 3 };
        h.respond("query_events", ({ query }) => {
          const words = (query.search ?? "").toLowerCase();
          const matching = events
            .filter((e) => !query.flow || e.flow === query.flow)
            .filter((e) => !query.min_level || rank[e.level] >= rank[query.min_level])
            .filter((e) => !query.record || e.record === query.record)
            .filter((e) => !words || e.message.toLowerCase().includes(words) || (e.record ?? "").toLowerCase().includes(words))
            .sort((a, b) => b.id - a.id);
          const older = matching.filter((e) => query.before_id == null || e.id < query.before_id);
          const limit = query.limit ?? 100;
          const page = older.slice(0, limit);
          return { events: page, total: matching.length, next_before_id: older.length > limit ? page[page.length - 1].id : null };
        });
      };
    },
    { settings, status, events },
  );
  await page.goto(url);
  return { page, problems };
}
