// Compares what Zoho's SDK parsed with the raw JSON it was parsed from,
// guided by the SDK's own model (lib/config/json_details.json). It reports
// every raw key the SDK drops, every key the SDK declares that the JSON
// lacks, every value whose JSON type is not the declared one (or that the
// SDK converted to something else; a Long must be a string), and every value
// of a choice outside the declared values. It also records, for each
// declared key, whether it was seen null and seen set (coverage()).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;
const longString = /^-?\d{1,19}$/;

export class Model {
  /** load reads the installed SDK's json_details.json. */
  static load(sdkLib) {
    const details = JSON.parse(readFileSync(join(sdkLib, "config", "json_details.json"), "utf8"));
    return new Model(sdkLib, details);
  }

  constructor(sdkLib, details) {
    this.sdkLib = sdkLib;
    this.details = details;
    this.classes = new Map(); // class key -> constructor
    this.seen = new Map(); // "class.key" -> { null, set, path }
  }

  /**
   * coverage returns the problems of the whole run: a declared key that was
   * met but never set (always null), and a key of nullable never seen null.
   */
  coverage(nullable) {
    const problems = [];
    for (const key of nullable) {
      if (!this.seen.has(key)) problems.push(`${key}: never met, though it is nullable`);
    }
    for (const [key, seen] of this.seen) {
      if (!seen.set) problems.push(`${key}: always null (${seen.path}), never set`);
      if (nullable.includes(key) && !seen.null) problems.push(`${key}: never null, though it is nullable`);
    }
    return problems;
  }

  record(classKey, name, value, path) {
    const key = `${classKey.split("/").pop()}.${name}`;
    const seen = this.seen.get(key) ?? { null: false, set: false, path };
    if (value === null) seen.null = true;
    else seen.set = true;
    this.seen.set(key, seen);
  }

  /** declared returns the values a choice member of a class declares. */
  declared(classKey, memberName) {
    return this.details[classKey]?.[memberName]?.values ?? [];
  }

  async constructorOf(classKey) {
    if (!this.classes.has(classKey)) {
      const mod = await import(pathToFileURL(join(this.sdkLib, classKey + ".js")).href);
      this.classes.set(classKey, mod.MasterModel);
    }
    return this.classes.get(classKey);
  }

  /**
   * classOf finds which class of classKey (itself, or one of an interface's
   * classes) the SDK built value as.
   */
  async classOf(classKey, value) {
    const detail = this.details[classKey];
    if (!detail) return null;
    if (!detail.interface) {
      return value instanceof (await this.constructorOf(classKey)) ? classKey : null;
    }
    for (const candidate of detail.classes) {
      const found = await this.classOf(candidate, value);
      if (found) return found;
    }
    return null;
  }

  /**
   * compare walks raw (the parsed JSON of the wire bytes) and sdk (what the
   * SDK made of it) from class classKey and returns the problems found, as
   * sentences naming the JSON path.
   */
  async compare(raw, sdk, classKey) {
    const problems = [];
    await this.structure(raw, sdk, classKey, "$", problems);
    return problems;
  }

  async structure(raw, sdk, classKey, path, problems) {
    if (!isPlainObject(raw)) {
      problems.push(`${path}: JSON ${jsonType(raw)} where the SDK's ${classKey} expects an object`);
      return;
    }
    const actual = await this.classOf(classKey, sdk);
    if (!actual) {
      problems.push(`${path}: the SDK made a ${sdk?.constructor?.name ?? sdk} of it, not a ${classKey}`);
      return;
    }
    const members = new Map();
    for (const [member, detail] of Object.entries(this.details[actual])) {
      members.set(detail.name, [member, detail]);
    }
    for (const [key, value] of Object.entries(raw)) {
      const found = members.get(key);
      if (!found) {
        problems.push(`${path}.${key}: key dropped, the SDK's ${actual} has no member for it`);
        continue;
      }
      const [member, detail] = found;
      this.record(actual, key, value, `${path}.${key}`);
      await this.value(value, sdk[member], detail, `${path}.${key}`, problems, `${actual}.${member}`);
    }
    for (const name of members.keys()) {
      if (!Object.hasOwn(raw, name)) problems.push(`${path}.${name}: key missing, the SDK's ${actual} declares it`);
    }
  }

  async value(raw, sdk, detail, path, problems, owner) {
    if (raw === null) {
      if (sdk !== undefined && sdk !== null) problems.push(`${path}: JSON null, but the SDK holds ${show(sdk)}`);
      return;
    }
    const type = String(detail.type);
    if (type === "List") return this.list(raw, sdk, detail, path, problems, owner);
    if (type === "Map") return this.map(raw, sdk, detail, path, problems, owner);
    if (type === "utils/util/choice") return this.choice(raw, sdk, detail, path, problems, owner);
    if (detail.structure_name) return this.structure(raw, sdk, detail.structure_name, path, problems);
    const problem = scalarProblem(type, raw, sdk);
    if (problem) problems.push(`${path}: ${problem} (${owner} is ${type})`);
  }

  async list(raw, sdk, detail, path, problems, owner) {
    if (!Array.isArray(raw)) {
      problems.push(`${path}: JSON ${jsonType(raw)} where ${owner} is a List`);
      return;
    }
    if (!Array.isArray(sdk) || sdk.length !== raw.length) {
      problems.push(`${path}: ${raw.length} JSON items, the SDK holds ${show(sdk)}`);
      return;
    }
    const item = detail.structure_name ? { type: detail.structure_name, structure_name: detail.structure_name } : detail.sub_type ?? { type: "Object" };
    for (let i = 0; i < raw.length; i++) {
      await this.value(raw[i], sdk[i], item, `${path}[${i}]`, problems, owner);
    }
  }

  async map(raw, sdk, detail, path, problems, owner) {
    if (!isPlainObject(raw)) {
      problems.push(`${path}: JSON ${jsonType(raw)} where ${owner} is a Map`);
      return;
    }
    if (!(sdk instanceof Map)) {
      problems.push(`${path}: the SDK holds ${show(sdk)}, not a Map`);
      return;
    }
    const keys = detail.keys ? new Map(detail.keys.map((k) => [k.name, k])) : null;
    for (const [key, value] of Object.entries(raw)) {
      if (keys && !keys.has(key)) {
        problems.push(`${path}.${key}: key dropped, ${owner} models only ${[...keys.keys()].join(", ")}`);
        continue;
      }
      if (!keys) {
        if (!sdk.has(key)) problems.push(`${path}.${key}: key dropped by the SDK`);
        continue;
      }
      await this.value(value, sdk.get(key), keys.get(key), `${path}.${key}`, problems, `${owner}.${key}`);
    }
  }

  choice(raw, sdk, detail, path, problems, owner) {
    if (typeof raw !== "string") {
      problems.push(`${path}: JSON ${jsonType(raw)} where ${owner} is a choice of strings`);
      return;
    }
    const value = typeof sdk?.getValue === "function" ? sdk.getValue() : undefined;
    if (value !== raw) problems.push(`${path}: JSON ${show(raw)}, the SDK holds ${show(value)}`);
    if (detail.values && !detail.values.includes(raw)) {
      problems.push(`${path}: ${show(raw)} is outside the values ${owner} declares (${detail.values.join(", ")})`);
    }
  }
}

/** scalarProblem checks one JSON scalar against a declared scalar type. */
function scalarProblem(type, raw, sdk) {
  switch (type) {
    case "String":
      if (typeof raw !== "string") return `JSON ${jsonType(raw)}, want a string`;
      return sdk === raw ? null : `the SDK holds ${show(sdk)}`;
    case "Integer":
      if (!Number.isInteger(raw)) return `JSON ${show(raw)}, want a whole number`;
      return sdk === raw ? null : `the SDK holds ${show(sdk)}`;
    case "Boolean":
      if (typeof raw !== "boolean") return `JSON ${jsonType(raw)}, want true or false`;
      return sdk === raw ? null : `the SDK holds ${show(sdk)}`;
    case "Long":
      if (typeof raw === "number") return `JSON number ${raw}, want the id as a string (a long id loses digits as a JSON number)`;
      if (!(typeof raw === "string" && longString.test(raw))) return `JSON ${show(raw)}, want a decimal id in a string`;
      return typeof sdk === "bigint" && sdk === BigInt(raw) ? null : `the SDK holds ${show(sdk)}`;
    case "DateTime":
      if (typeof raw !== "string" || !isoDateTime.test(raw)) return `JSON ${show(raw)}, want an ISO 8601 date-time with an offset`;
      return sdk instanceof Date && sdk.getTime() === Date.parse(raw) ? null : `the SDK holds ${show(sdk)}`;
    default:
      return `no check for the declared type ${type}`;
  }
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function jsonType(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

export function show(v) {
  if (typeof v === "bigint") return v.toString() + "n";
  if (v instanceof Date) return `Date(${isNaN(v) ? "invalid" : v.toISOString()})`;
  if (v instanceof Map) return `Map(${[...v.keys()].join(",")})`;
  if (v === undefined) return "nothing";
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
