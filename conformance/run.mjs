// make conformance: Zoho's own Node.js SDK for CRM API v8
// (@zohocrm/nodejs-sdk-8.0) against the emulator. Every BackupOperations
// method is called in every state and error the emulator can produce, and
// each answer is checked three ways: the HTTP status and class the scenario
// expects, and the raw JSON against what the SDK parsed (compare.mjs): no
// key dropped, none the SDK declares missing, every type as declared. At the
// end every declared key met must have been seen set, and each nullable one
// (NULLABLE) seen null too. A download is hashed against the emulator's own
// content. The summary line is printed whatever happens, an asynchronous
// throw of the SDK included.
//
// The SDK is configured as a user would for an environment it does not list:
// a DataCenter of its own whose URLs are the emulator's, an access token with
// findUser(false) (no call to Zoho's user API) and a FileStore token store in
// a scratch directory. Its requests pass through a recording proxy on
// loopback (net.mjs) that forwards the bytes unchanged and keeps the raw
// answer, so each check compares the wire JSON with the SDK's objects.
// Nothing may leave the machine: net.mjs refuses any non-loopback connection.
//
// scripts/conformance.sh installs the SDK, starts the emulators and sets:
//   CONFORMANCE_SDK_LIB   the SDK's lib/ directory
//   EMULATOR_URL          the emulator in its default forms
//   EMULATOR_ALT_URL      the emulator in the documented alternative forms
//                         (RESOURCE_NOT_FOUND nested, LIMIT_EXCEEDED)
//   EMULATOR_TOKEN        an access token both accept
//   EMULATOR_SCOPED_TOKEN an administrator's token with ZohoCRM.bulk.backup.READ only
//   EMULATOR_USER_TOKEN   a token of a user who is not an administrator
//   PURCHASED_BACKUPS     the emulators' -purchased-backups
//   CONFORMANCE_WORK_DIR  a scratch directory (token store, SDK resources)
//   CONFORMANCE_SKIP_DOWNLOAD=1  leaves out the download check (development only)
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { Model, show } from "./compare.mjs";
import { Admin, guardNetwork, isLoopbackHost, request, startRecordingProxy } from "./net.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`conformance: ${name} is not set (run it through make conformance)`);
  return v;
};

const RRULE = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO";

// NULLABLE are the keys Zoho sends as null in some states and set in
// others (class.key, as in the SDK's json_details.json).
const NULLABLE = ["backup.rrule", "backup.scheduled_date", "backup.start_date", "history.state", "history.action", "history.file_name"];

class Report {
  passed = 0;
  failed = 0;

  check(ok, text) {
    if (ok) this.passed++;
    else this.failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${text}`);
    return ok;
  }
}

const report = new Report();

function summary() {
  console.log(`conformance: ${report.passed} passed, ${report.failed} failed`);
}

// An error the SDK throws outside any awaited call (a callback, a timer)
// would otherwise end the run without a summary.
for (const event of ["unhandledRejection", "uncaughtException"]) {
  process.on(event, (err) => {
    report.check(false, `${event}: ${err?.stack ?? err}`);
    summary();
    process.exit(1);
  });
}

async function main() {
  guardNetwork();
  const sdkLib = env("CONFORMANCE_SDK_LIB");
  const sdk = await import(pathToFileURL(join(sdkLib, "index.js")).href);
  const model = Model.load(sdkLib);
  const emulators = { default: env("EMULATOR_URL"), alternative: env("EMULATOR_ALT_URL") };
  let current = emulators.default;
  const proxy = await startRecordingProxy(() => current);
  const ctx = {
    sdk, model, proxy, report,
    purchased: Number(env("PURCHASED_BACKUPS")),
    ops: new sdk.Backup.BackupOperations(),
    admin: new Admin(emulators.default),
    use(name) {
      current = emulators[name];
      this.admin = new Admin(current);
    },
  };
  try {
    await initSDK(sdk, proxy.url, env("EMULATOR_TOKEN"), env("CONFORMANCE_WORK_DIR"));
    ctx.useToken = (token) => switchToken(sdk, proxy.url, token);
    for (const scenario of scenarios) {
      ctx.use("default");
      await ctx.admin.reset();
      await scenario(ctx);
    }
    if (process.env.CONFORMANCE_SKIP_DOWNLOAD === "1") {
      console.log("note downloadBackedUpData left out (CONFORMANCE_SKIP_DOWNLOAD=1); make conformance runs it");
    } else {
      ctx.use("default");
      await ctx.admin.reset();
      await downloadScenario(ctx);
      await downloadErrors(ctx);
    }
    ctx.use("default");
    await ctx.admin.reset();
    await badTokens(ctx);
  } finally {
    await proxy.close();
  }
  for (const problem of model.coverage(NULLABLE)) report.check(false, `coverage: ${problem}`);
  report.check(model.seen.size > 0, `coverage: ${model.seen.size} declared keys met, each set, each nullable one null too`);
  summary();
  return report.failed === 0 && report.passed > 0;
}

// emulatorDataCenter is a DataCenter of its own for the emulator, as a user
// would write one for a Zoho environment the SDK does not list: API, accounts
// and file-upload URLs all on the emulator (through the recording proxy).
function emulatorEnvironment(sdk, url) {
  class EmulatorDataCenter extends sdk.DataCenter {
    static PRODUCTION() {
      return sdk.DataCenter.setEnvironment(url, new EmulatorDataCenter().getIAMUrl(), new EmulatorDataCenter().getFileUploadUrl());
    }
    getIAMUrl() {
      return url + "/oauth/v2/token";
    }
    getFileUploadUrl() {
      return url;
    }
  }
  return EmulatorDataCenter.PRODUCTION();
}

function accessToken(sdk, token) {
  return new sdk.OAuthBuilder().accessToken(token).findUser(false).build();
}

async function initSDK(sdk, url, token, workDir) {
  const builder = await new sdk.InitializeBuilder();
  await builder
    .environment(emulatorEnvironment(sdk, url))
    .token(accessToken(sdk, token))
    .store(new sdk.FileStore(join(workDir, "sdk_tokens.txt")))
    .resourcePath(workDir)
    .logger(new sdk.LogBuilder().level(sdk.Levels.OFF).filePath(join(workDir, "sdk.log")).build())
    .initialize();
}

// switchToken makes the SDK send another access token, as the SDK's
// switchUser does. The SDK's FileStore then no longer finds the first
// token reliably, so the scenarios with other tokens run last.
async function switchToken(sdk, url, token) {
  await sdk.Initializer.switchUser(emulatorEnvironment(sdk, url), accessToken(sdk, token), new sdk.SDKConfigBuilder().build());
}

/**
 * call runs one SDK method and checks its answer: exactly one request
 * reached the emulator, its HTTP status, the class the SDK built, and the
 * raw JSON against the SDK's model. Returns the SDK object and raw JSON.
 */
async function call(ctx, name, fn, want) {
  const { report, proxy, model } = ctx;
  const before = proxy.exchanges.length;
  let response;
  try {
    response = await fn();
  } catch (err) {
    report.check(false, `${name}: the SDK threw ${err?.code ?? ""} ${err?.message ?? err}`);
    return {};
  }
  const exchanges = proxy.exchanges.slice(before);
  if (!report.check(exchanges.length === 1, `${name}: one request reached the emulator (${exchanges.map((e) => `${e.method} ${e.url}`).join(", ")})`)) {
    return {};
  }
  const wire = exchanges[0];
  report.check(response.getStatusCode() === want.status && wire.status === want.status,
    `${name}: HTTP ${wire.status}, the SDK reports ${response.getStatusCode()}, want ${want.status}`);
  const object = await response.getObject();
  if (want.status === 204) {
    report.check(wire.body.length === 0 && (object === null || object === undefined), `${name}: no body, no object`);
    return {};
  }
  let raw;
  try {
    raw = JSON.parse(wire.body.toString("utf8"));
  } catch (err) {
    report.check(false, `${name}: the body is not JSON: ${err.message}`);
    return {};
  }
  report.check(object?.constructor?.name === want.class, `${name}: the SDK built a ${object?.constructor?.name}, want ${want.class}`);
  const problems = await model.compare(raw, object, want.root);
  const unexpected = problems.filter((p) => !(want.allow ?? []).some((a) => p.includes(a)));
  if (unexpected.length === 0) {
    report.check(true, `${name}: every key kept, every type as declared, every code declared`);
  }
  for (const p of unexpected) report.check(false, `${name}: ${p}`);
  for (const a of want.allow ?? []) {
    report.check(problems.some((p) => p.includes(a)), `${name}: the documented alternative shows as expected: ${a}`);
  }
  return { object, raw };
}

const action = (cls) => ({ status: 200, class: cls, root: "core/com/zoho/crm/api/backup/action_handler" });
const read = (cls, status = 200) => ({ status, class: cls, root: "core/com/zoho/crm/api/backup/response_handler" });
const actionError = (status = 400) => ({ status, class: "ActionWrapper", root: "core/com/zoho/crm/api/backup/action_handler" });
const topError = (root, status = 400) => ({ status, class: "APIException", root: `core/com/zoho/crm/api/backup/${root}` });

/** code returns the code of an answer: nested under backup or top-level. */
function code(object) {
  const inner = typeof object?.getBackup === "function" ? object.getBackup() : object;
  return inner?.getCode?.()?.getValue?.();
}

function scheduleBody(sdk, rrule) {
  const body = new sdk.Backup.BodyWrapper();
  if (rrule !== undefined) {
    const backup = new sdk.Backup.Backup();
    backup.setRrule(rrule);
    body.setBackup(backup);
  }
  return body;
}

function historyParams(sdk, page, perPage) {
  const params = new sdk.ParameterMap();
  return Promise.all([params.add(sdk.Backup.HISTORYParam.PAGE, page), params.add(sdk.Backup.HISTORYParam.PER_PAGE, perPage)]).then(() => params);
}

function expectStatus(ctx, name, object, want) {
  const got = object?.getBackup?.()?.getStatus?.();
  ctx.report.check(got === want, `${name}: status ${show(got)}, want ${want}`);
}

function expectCode(ctx, name, object, want) {
  ctx.report.check(code(object) === want, `${name}: code ${code(object)}, want ${want}`);
}

const scenarios = [
  async function emptyBackupObject(ctx) {
    const { sdk, ops, proxy } = ctx;
    const body = new sdk.Backup.BodyWrapper();
    body.setBackup(new sdk.Backup.Backup());
    const before = proxy.exchanges.length;
    const { object } = await call(ctx, 'schedule with {"backup":{}}', () => ops.schedule(body), action("ActionWrapper"));
    const sent = proxy.exchanges[before]?.requestBody?.toString("utf8");
    ctx.report.check(sent === '{"backup":{}}', `schedule with {"backup":{}}: the SDK sent ${show(sent)}`);
    expectCode(ctx, 'schedule with {"backup":{}}', object, "SUCCESS");
    const details = await call(ctx, 'getDetails after {"backup":{}}', () => ops.getDetails(), read("ResponseWrapper"));
    const backup = details.object?.getBackup?.();
    ctx.report.check(backup?.getStatus?.() === "INPROGRESS" && backup.getRrule() == null,
      `getDetails after {"backup":{}}: an immediate backup (status ${show(backup?.getStatus?.())}, rrule ${show(backup?.getRrule?.())})`);
  },

  async function historyPaging(ctx) {
    const { sdk, ops, admin } = ctx;
    await admin.seed("COMPLETED");
    const all = await call(ctx, "history of a completed backup", () => ops.history(), read("HistoryWrapper"));
    const entries = all.object?.getHistory?.()?.length ?? 0;
    ctx.report.check(entries > 0, `history of a completed backup: ${entries} entries`);
    const one = async (name, params) => {
      const p = new sdk.ParameterMap();
      for (const [param, value] of params) await p.add(param, value);
      return call(ctx, name, () => ops.history(p), read("HistoryWrapper"));
    };
    const { PAGE, PER_PAGE } = sdk.Backup.HISTORYParam;
    const pageOnly = await one("history with page=1 and no per_page", [[PAGE, "1"]]);
    const info = pageOnly.object?.getInfo?.();
    ctx.report.check(info?.getPage?.() === 1 && info.getPerPage() === 200 && info.getCount() === entries,
      `history with page=1 and no per_page: per_page 200 by default (${show(pageOnly.raw?.info)})`);
    const perPageOnly = await one("history with per_page=1 and no page", [[PER_PAGE, "1"]]);
    const first = perPageOnly.object?.getInfo?.();
    ctx.report.check(first?.getPage?.() === 1 && first.getPerPage() === 1 && first.getMoreRecords() === (entries > 1),
      `history with per_page=1 and no page: page 1 (${show(perPageOnly.raw?.info)})`);
    const past = String(entries + 1);
    const p = new sdk.ParameterMap();
    await p.add(PAGE, past);
    await p.add(PER_PAGE, "1");
    await call(ctx, `history past its last page (page=${past}&per_page=1)`, () => ops.history(p), { status: 204 });
  },

  async function nothingYet(ctx) {
    await call(ctx, "getDetails with no backup", () => ctx.ops.getDetails(), { status: 204 });
    await call(ctx, "getUrls with no backup", () => ctx.ops.getUrls(), { status: 204 });
    await call(ctx, "history with no backup", () => ctx.ops.history(), { status: 204 });
  },

  async function scheduledThenCancelled(ctx) {
    const { sdk, ops } = ctx;
    const { object } = await call(ctx, "schedule with an rrule", () => ops.schedule(scheduleBody(sdk, RRULE)), action("ActionWrapper"));
    expectCode(ctx, "schedule with an rrule", object, "SUCCESS");
    const id = object?.getBackup?.()?.getDetails?.()?.get("id");
    ctx.report.check(typeof id === "bigint", `schedule with an rrule: details.id is a Long (${show(id)})`);
    const details = await call(ctx, "getDetails of a SCHEDULED backup", () => ops.getDetails(), read("ResponseWrapper"));
    ctx.report.check(details.object?.getBackup?.()?.getStatus?.() === "SCHEDULED" && details.object.getBackup().getId() === id,
      `getDetails of a SCHEDULED backup: status ${details.object?.getBackup?.()?.getStatus?.()}, id ${show(details.object?.getBackup?.()?.getId?.())}`);
    const again = await call(ctx, "schedule while one is scheduled", () => ops.schedule(scheduleBody(sdk, RRULE)), actionError());
    expectCode(ctx, "schedule while one is scheduled", again.object, "BACKUP_ALREADY_SCHEDULED");
    const history = await call(ctx, "history without page/per_page", () => ops.history(), read("HistoryWrapper"));
    ctx.report.check(history.object?.getHistory?.()?.[0]?.getAction?.() === "scheduled", "history without page/per_page: the newest entry is the schedule");
    const cancelled = await call(ctx, "cancel a SCHEDULED backup", () => ops.cancel(id), action("ActionWrapper"));
    expectCode(ctx, "cancel a SCHEDULED backup", cancelled.object, "SUCCESS");
    const stopped = await call(ctx, "getDetails of a STOPPED backup", () => ops.getDetails(), read("ResponseWrapper"));
    expectStatus(ctx, "getDetails of a STOPPED backup", stopped.object, "STOPPED");
    const twice = await call(ctx, "cancel a cancelled backup", () => ops.cancel(id), actionError());
    expectCode(ctx, "cancel a cancelled backup", twice.object, "ALREADY_CANCELLED");
  },

  async function failed(ctx) {
    await ctx.admin.seed("FAILED", RRULE);
    const details = await call(ctx, "getDetails of a FAILED backup", () => ctx.ops.getDetails(), read("ResponseWrapper"));
    expectStatus(ctx, "getDetails of a FAILED backup", details.object, "FAILED");
    await call(ctx, "getUrls of a FAILED backup", () => ctx.ops.getUrls(), { status: 204 });
    const history = await call(ctx, "history after a failed run", () => ctx.ops.history(), read("HistoryWrapper"));
    const entry = history.object?.getHistory?.()?.[0];
    ctx.report.check(entry?.getState?.() === "failure" && entry.getFileName() == null,
      `history after a failed run: state ${show(entry?.getState?.())}, file_name ${show(entry?.getFileName?.())}`);
  },

  async function immediateInProgress(ctx) {
    const { sdk, ops } = ctx;
    const { object } = await call(ctx, "schedule with an empty body", () => ops.schedule(scheduleBody(sdk)), action("ActionWrapper"));
    expectCode(ctx, "schedule with an empty body", object, "SUCCESS");
    const id = object?.getBackup?.()?.getDetails?.()?.get("id");
    const details = await call(ctx, "getDetails of an INPROGRESS backup", () => ops.getDetails(), read("ResponseWrapper"));
    expectStatus(ctx, "getDetails of an INPROGRESS backup", details.object, "INPROGRESS");
    const refused = await call(ctx, "cancel an INPROGRESS backup", () => ops.cancel(id ?? 0n), actionError());
    expectCode(ctx, "cancel an INPROGRESS backup", refused.object, "INPROGRESS");
  },

  async function completed(ctx) {
    const { sdk, ops, admin } = ctx;
    const done = await admin.seed("COMPLETED");
    const details = await call(ctx, "getDetails of a COMPLETED backup", () => ops.getDetails(), read("ResponseWrapper"));
    expectStatus(ctx, "getDetails of a COMPLETED backup", details.object, "COMPLETED");
    const urls = await call(ctx, "getUrls of a COMPLETED backup", () => ops.getUrls(), read("UrlsWrapper"));
    ctx.report.check((urls.object?.getUrls?.()?.getDataLinks?.() ?? []).length > 0, "getUrls of a COMPLETED backup: data links listed");
    const page = await call(ctx, "history with page=1&per_page=1", async () => ops.history(await historyParams(sdk, "1", "1")), read("HistoryWrapper"));
    const entry = page.object?.getHistory?.()?.[0];
    const info = page.object?.getInfo?.();
    ctx.report.check(entry?.getState?.() === "completed" && entry.getFileName() === fileOf(done.data_links[0]),
      `history: the completed run names its file (${show(entry?.getFileName?.())}, want ${show(fileOf(done.data_links[0]))})`);
    ctx.report.check(entry?.getCount?.() === ctx.purchased, `history: count is the purchased backups (${show(entry?.getCount?.())}, want ${ctx.purchased})`);
    ctx.report.check(info?.getPage?.() === 1 && info.getPerPage() === 1 && info.getCount() === 1 && info.getMoreRecords() === true,
      `history: info page 1 of 1 with more_records (${show(page.raw?.info)})`);
    const second = await call(ctx, "history with page=2&per_page=1", async () => ops.history(await historyParams(sdk, "2", "1")), read("HistoryWrapper"));
    ctx.report.check(second.object?.getInfo?.()?.getMoreRecords?.() === false, "history: the last page says no more records");
    const gone = await call(ctx, "cancel a COMPLETED backup", () => ops.cancel(BigInt(done.id)), topError("api_exception"));
    expectCode(ctx, "cancel a COMPLETED backup", gone.object, "RESOURCE_NOT_FOUND");
  },

  async function invalidData(ctx) {
    const { sdk, ops } = ctx;
    const rule = await call(ctx, "schedule with an invalid rrule", () => ops.schedule(scheduleBody(sdk, "RRULE:FREQ=DAILY;INTERVAL=1")), actionError());
    expectCode(ctx, "schedule with an invalid rrule", rule.object, "INVALID_DATA");
    for (const [p, pp, bad] of [["0", "10", "page"], ["1", "201", "per_page"]]) {
      const name = `history with page=${p}&per_page=${pp}`;
      const res = await call(ctx, name, async () => ops.history(await historyParams(sdk, p, pp)), topError("api_exception"));
      expectCode(ctx, name, res.object, "INVALID_DATA");
      ctx.report.check(res.object?.getDetails?.()?.get?.("api_name") === bad, `${name}: details name ${bad} (${show(res.raw?.details)})`);
    }
  },

  async function notFound(ctx) {
    const top = await call(ctx, "cancel an unknown id (top-level form)", () => ctx.ops.cancel(4876876000009999999n), topError("api_exception"));
    expectCode(ctx, "cancel an unknown id (top-level form)", top.object, "RESOURCE_NOT_FOUND");
    ctx.use("alternative");
    await ctx.admin.reset();
    const nested = await call(ctx, "cancel an unknown id (nested form)", () => ctx.ops.cancel(4876876000009999999n), actionError());
    expectCode(ctx, "cancel an unknown id (nested form)", nested.object, "RESOURCE_NOT_FOUND");
  },

  async function monthlyLimit(ctx) {
    const { sdk, admin } = ctx;
    for (let i = 0; i < 4; i++) await admin.seed("COMPLETED");
    const reached = await call(ctx, "schedule past the monthly limit (SDK form)", () => ctx.ops.schedule(scheduleBody(sdk, RRULE)), actionError());
    expectCode(ctx, "schedule past the monthly limit (SDK form)", reached.object, "LIMIT_REACHED");
    ctx.use("alternative");
    await ctx.admin.reset();
    for (let i = 0; i < 4; i++) await ctx.admin.seed("COMPLETED");
    const exceeded = await call(ctx, "schedule past the monthly limit (docs form)", () => ctx.ops.schedule(scheduleBody(sdk, RRULE)),
      { ...actionError(), allow: [`"LIMIT_EXCEEDED" is outside the values`] });
    expectCode(ctx, "schedule past the monthly limit (docs form)", exceeded.object, "LIMIT_EXCEEDED");
  },

];

// badTokens runs last: after it the SDK holds tokens the emulator refuses.
async function badTokens(ctx) {
  const { sdk } = ctx;
  const link = (await ctx.admin.seed("COMPLETED")).data_links[0];
  const scoped = env("EMULATOR_SCOPED_TOKEN");
  await ctx.useToken(scoped);
  const mismatch = await call(ctx, "schedule with a READ-only token", () => ctx.ops.schedule(scheduleBody(sdk, RRULE)), topError("action_handler", 401));
  expectCode(ctx, "schedule with a READ-only token", mismatch.object, "OAUTH_SCOPE_MISMATCH");
  await downloadCall(ctx, "download with a token without ZohoFiles.files.ALL", link, scoped,
    { status: 401, code: "INVALID_OAUTHSCOPE", allow: [outside("INVALID_OAUTHSCOPE")] });
  const user = env("EMULATOR_USER_TOKEN");
  await ctx.useToken(user);
  const denied = await call(ctx, "getDetails as a user who is not an administrator", () => ctx.ops.getDetails(),
    { ...topError("response_handler", 403), allow: ["$.details.permissions: key dropped"] });
  expectCode(ctx, "getDetails as a user who is not an administrator", denied.object, "NO_PERMISSION");
  await downloadCall(ctx, "download as a user who is not an administrator", link, user,
    { status: 403, code: "FORBIDDEN", allow: [outside("FORBIDDEN")] });
  const stranger = "1000.not-a-token-the-emulator-knows";
  await ctx.useToken(stranger);
  await downloadCall(ctx, "download with an unknown token", link, stranger, { status: 401, code: "INVALID_TOKEN" });
  const invalid = await call(ctx, "getDetails with an unknown token", () => ctx.ops.getDetails(), topError("api_exception", 401));
  expectCode(ctx, "getDetails with an unknown token", invalid.object, "INVALID_TOKEN");
  // The SDK always sends "Zoho-oauthtoken <token>"; a blank token is the
  // nearest it comes to sending none.
  await ctx.useToken(" ");
  const none = await call(ctx, "cancel with a blank token", () => ctx.ops.cancel(4876876000009999999n), topError("api_exception", 401));
  expectCode(ctx, "cancel with a blank token", none.object, "AUTHENTICATION_FAILURE");
}

function fileOf(link) {
  return decodeURIComponent(new URL(link).pathname.split("/").pop());
}

// downloadScenario fetches a completed backup's first data link with the
// SDK and checks that it found the file's name in Content-Disposition and
// the same bytes a plain GET returns. The link must be on this machine: the
// check fails rather than send the token anywhere else.
async function downloadScenario(ctx) {
  const { report, ops } = ctx;
  await ctx.admin.seed("COMPLETED");
  const urls = await call(ctx, "getUrls before the download", () => ops.getUrls(), read("UrlsWrapper"));
  const link = urls.object?.getUrls?.()?.getDataLinks?.()?.[0];
  if (!report.check(typeof link === "string", `downloadBackedUpData: a data link to fetch (${show(link)})`)) return;
  const host = new URL(link).hostname;
  const local = isLoopbackHost(host);
  report.check(local, local ? `downloadBackedUpData: the link's host ${host} is loopback`
    : `downloadBackedUpData: the link's host ${host} is not loopback; the check never sends a token off this machine, so the emulator must serve its download links itself`);
  if (!local) return;
  let response;
  try {
    response = await ops.downloadBackedUpData(link);
  } catch (err) {
    report.check(false, `downloadBackedUpData: the SDK threw ${err?.message ?? err}`);
    return;
  }
  const wire = await request(link, { headers: { Authorization: "Zoho-oauthtoken " + env("EMULATOR_TOKEN") } });
  report.check(response.getStatusCode() === 200 && wire.status === 200, `downloadBackedUpData: HTTP ${response.getStatusCode()} (a plain GET: ${wire.status}), want 200`);
  report.check(/filename/i.test(wire.headers["content-disposition"] ?? ""), `downloadBackedUpData: Content-Disposition ${show(wire.headers["content-disposition"])} names the file`);
  const object = await response.getObject();
  report.check(object?.constructor?.name === "FileBodyWrapper", `downloadBackedUpData: the SDK built a ${object?.constructor?.name}, want FileBodyWrapper`);
  const file = object?.getFile?.();
  report.check(file?.getName?.() === fileOf(link), `downloadBackedUpData: the SDK names the file ${show(file?.getName?.())}, want ${show(fileOf(link))}`);
  const bytes = Buffer.from(file?.getStream?.() ?? []);
  report.check(bytes.length > 0 && bytes.equals(wire.body), `downloadBackedUpData: the SDK holds the ${wire.body.length} bytes served (${bytes.length})`);
  const want = await ctx.admin.downloadSHA256(link);
  const got = createHash("sha256").update(bytes).digest("hex");
  report.check(got === want, `downloadBackedUpData: the SDK's bytes hash to the emulator's own content (${got}, want ${want})`);
  ctx.link = link;
}

/**
 * downloadCall runs downloadBackedUpData on an answer that is an error
 * envelope, fetches the same answer raw (the scenario makes it repeatable),
 * and checks status, class, code and the JSON against the SDK's model.
 */
async function downloadCall(ctx, name, link, token, want) {
  const { report, model } = ctx;
  let response;
  try {
    response = await ctx.ops.downloadBackedUpData(link);
  } catch (err) {
    report.check(false, `${name}: the SDK threw ${err?.code ?? ""} ${err?.message ?? err}`);
    return;
  }
  const wire = await request(link, { headers: { Authorization: "Zoho-oauthtoken " + token } });
  report.check(response.getStatusCode() === want.status && wire.status === want.status,
    `${name}: HTTP ${wire.status}, the SDK reports ${response.getStatusCode()}, want ${want.status}`);
  const object = await response.getObject();
  report.check(object?.constructor?.name === "APIException", `${name}: the SDK built a ${object?.constructor?.name}, want APIException`);
  expectCode(ctx, name, object, want.code);
  let raw;
  try {
    raw = JSON.parse(wire.body.toString("utf8"));
  } catch (err) {
    report.check(false, `${name}: the body is not JSON: ${err.message}`);
    return;
  }
  const problems = await model.compare(raw, object, "core/com/zoho/crm/api/backup/response_handler");
  const unexpected = problems.filter((p) => !(want.allow ?? []).some((a) => p.includes(a)));
  if (unexpected.length === 0) report.check(true, `${name}: every key kept, every type as declared`);
  for (const p of unexpected) report.check(false, `${name}: ${p}`);
  for (const a of want.allow ?? []) {
    report.check(problems.some((p) => p.includes(a)), `${name}: the documented download-host form shows as expected: ${a}`);
  }
}

// outside names a code of Zoho's download page that the SDK's list lacks.
const outside = (code) => `"${code}" is outside the values`;

// downloadErrors: the download host's own answers to a link it does not
// serve, a path of another shape, and (by a fault) an internal error.
async function downloadErrors(ctx) {
  const token = env("EMULATOR_TOKEN");
  const done = await ctx.admin.seed("COMPLETED");
  const link = done.data_links[0];
  const unlisted = link.replace(/\/backup\/\d+\//, "/backup/4876876000009999999/");
  await downloadCall(ctx, "download of a link no backup lists", unlisted, token, { status: 404, code: "RESOURCE_NOT_FOUND" });
  const shape = new URL("/v2/crm/files/Data_001.zip", link).href;
  await downloadCall(ctx, "download of a path of another shape", shape, token,
    { status: 401, code: "URL_RULE_NOT_CONFIGURED", allow: [outside("URL_RULE_NOT_CONFIGURED")] });
  // The SDK retries a 500 by itself: the fault lasts until cleared.
  await ctx.admin.injectDownloadFault({ error: "INTERNAL_ERROR", times: -1 });
  await downloadCall(ctx, "download answered INTERNAL_ERROR", link, token, { status: 500, code: "INTERNAL_ERROR" });
  await ctx.admin.clearDownloadFaults();
}

main().then((ok) => process.exit(ok ? 0 : 1), (err) => {
  report.check(false, `the run stopped: ${err?.stack ?? err}`);
  summary();
  process.exit(1);
});
