/**
 * Walks raw config values (parsed YAML/JSON) and collects every problem at once, each
 * as `<key path>: <value> <what is wrong>`. The reader never throws; the caller decides
 * what to do with the problems.
 */
import { closest } from "./checks";

export type Check<T> = (value: T) => string | undefined;

export class Problems {
  readonly errors: string[] = [];

  add(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  /** Reports a bad value: `path: "value" message`. */
  bad(path: string, value: unknown, message: string): void {
    this.add(path, `${show(value)} ${message}`);
  }
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${show(value)})`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** One object in the config: typed getters that record problems under its path. */
export class Section {
  constructor(
    readonly path: string,
    readonly raw: Record<string, unknown>,
    readonly problems: Problems,
  ) {}

  /** Reads `raw` as an object, or records a problem and returns an empty section. */
  static of(raw: unknown, path: string, problems: Problems): Section | undefined {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      problems.add(path, `must be an object, not ${typeName(raw)}`);
      return undefined;
    }
    return new Section(path, raw as Record<string, unknown>, problems);
  }

  /** Records every key not in `allowed`, with a hint when it looks like a typo. */
  allowOnly(allowed: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (allowed.includes(key)) continue;
      const hint = closest(key, allowed);
      this.problems.add(
        join(this.path, key),
        `unknown setting${hint ? ` (did you mean ${hint}?)` : ""}; allowed here: ${allowed.join(", ")}`,
      );
    }
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  at(key: string): string {
    return join(this.path, key);
  }

  string(key: string, fallback?: string, check?: Check<string>): string {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (fallback === undefined) this.problems.add(this.at(key), "is required");
      return fallback ?? "";
    }
    if (typeof value !== "string") {
      this.problems.add(this.at(key), `must be a string, not ${typeName(value)}`);
      return fallback ?? "";
    }
    // A line break would add lines to the rendered files (user data, .env).
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      this.problems.bad(this.at(key), value, "must be a single line without control characters");
      return fallback ?? "";
    }
    if (value === "" && fallback === undefined) {
      this.problems.add(this.at(key), "is required and must not be empty");
      return "";
    }
    const message = check?.(value);
    if (message) this.problems.bad(this.at(key), value, message);
    return value;
  }

  /** One of `allowed`; undefined when the value is missing or not allowed (reported). */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.string(key, fallback);
    if (!allowed.includes(value as T)) {
      if (this.has(key) && typeof this.raw[key] === "string") this.problems.bad(this.at(key), value, `is not allowed (allowed: ${allowed.join(", ")})`);
      return undefined;
    }
    return value as T;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (fallback === undefined) this.problems.add(this.at(key), "is required (true or false)");
      return fallback ?? false;
    }
    // Pulumi hands flat config values over as strings.
    if (value === "true" || value === "false") return value === "true";
    if (typeof value !== "boolean") {
      this.problems.bad(this.at(key), value, "must be true or false");
      return fallback ?? false;
    }
    return value;
  }

  integer(key: string, fallback: number | undefined, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (fallback === undefined) this.problems.add(this.at(key), `is required (a whole number from ${min} to ${max})`);
      return fallback ?? min;
    }
    const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      this.problems.bad(this.at(key), value, `must be a whole number from ${min} to ${max}`);
      return fallback ?? min;
    }
    return n;
  }

  section(key: string, required: boolean): Section | undefined {
    if (!this.has(key)) {
      if (required) this.problems.add(this.at(key), "is required");
      return undefined;
    }
    return Section.of(this.raw[key], this.at(key), this.problems);
  }

  list(key: string, required: boolean): { value: unknown; path: string }[] {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (required) this.problems.add(this.at(key), "is required (a list)");
      return [];
    }
    if (!Array.isArray(value)) {
      this.problems.add(this.at(key), `must be a list, not ${typeName(value)}`);
      return [];
    }
    return value.map((v, i) => ({ value: v, path: join(this.at(key), i) }));
  }

  /** Reads a map of name → object; names are checked with `checkKey`. */
  entries(key: string, required: boolean, checkKey: Check<string>): { name: string; section: Section }[] {
    const map = this.section(key, required);
    if (!map) return [];
    const result: { name: string; section: Section }[] = [];
    for (const [name, raw] of Object.entries(map.raw)) {
      const message = checkKey(name);
      if (message) {
        this.problems.bad(map.at(name), name, message);
        continue;
      }
      if (raw === null || raw === undefined) {
        this.problems.add(map.at(name), "is empty; give its settings or remove it");
        continue;
      }
      const section = Section.of(raw, map.at(name), this.problems);
      if (section) result.push({ name, section });
    }
    return result;
  }
}
