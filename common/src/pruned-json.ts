/**
 * JSON.parse of a document whose entries under one top-level member keep only the members
 * asked for: a `spack.lock` is some hundred KB of concrete specs whose parameters, arch and
 * compiler nothing here reads. Building all of them as objects, from one string too large
 * for V8's young generation, was the largest part of a 200-container workflow's CPU (issue 22).
 *
 * The bytes are walked once. Top-level members and the kept members of each entry are given
 * to JSON.parse; the values skipped are walked by their strings and brackets only, so they
 * are not validated. Whatever the walk does not expect (not an object at the top, a broken
 * structure) is handed to JSON.parse of the whole text, whose result or SyntaxError stands.
 */

export interface Pruning {
  /** The top-level member whose entries are pruned (e.g. `concrete_specs`). */
  readonly under: string;
  /** The members each entry keeps. */
  readonly keep: ReadonlySet<string>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Where a key's string starts and ends (quotes included), and whether it has escapes. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly escaped: boolean;
}

/** The walk met something it does not expect: JSON.parse of the whole text decides. */
class Unexpected extends Error {}

/** Parses `bytes` (UTF-8 JSON) with the entries under `pruning.under` pruned. */
export function parsePrunedJson(bytes: Uint8Array, pruning: Pruning): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return new Walk(text).document(pruning);
  } catch (error) {
    // A value JSON.parse refused is reported as the whole text's error, where its position is.
    if (!(error instanceof Unexpected || error instanceof SyntaxError)) throw error;
    return JSON.parse(text.toString("utf8"));
  }
}

class Walk {
  constructor(private readonly bytes: Buffer) {}

  document(pruning: Pruning): unknown {
    const kept = [...pruning.keep].map((name) => Buffer.from(JSON.stringify(name), "utf8"));
    const top = newObject();
    const end = this.object(0, (span, at) => {
      const key = this.key(span);
      if (key !== pruning.under || this.bytes[at] !== OPEN_BRACE) return this.whole(top, key, at);
      const entries = newObject();
      set(top, key, entries);
      return this.object(at, (nameSpan, entryAt) => {
        const name = this.key(nameSpan);
        if (this.bytes[entryAt] !== OPEN_BRACE) return this.whole(entries, name, entryAt);
        const entry = newObject();
        set(entries, name, entry);
        return this.object(entryAt, (member, valueAt) =>
          // Keys are compared byte for byte; one spelled with escapes, decoded.
          (
            member.escaped
              ? pruning.keep.has(this.key(member))
              : kept.some((spelling) => this.spells(member, spelling))
          )
            ? this.whole(entry, this.key(member), valueAt)
            : this.valueEnd(valueAt),
        );
      });
    });
    if (this.space(end) !== this.bytes.length) throw new Unexpected();
    return top;
  }

  /** Parses the value at `at` into `target[key]`; returns where it ends. */
  private whole(target: Record<string, unknown>, key: string, at: number): number {
    const end = this.valueEnd(at);
    // Most kept values are plain strings (names, versions, hashes): their bytes are the text.
    const value = this.isPlainString(at, end)
      ? this.bytes.toString("utf8", at + 1, end - 1)
      : (JSON.parse(this.bytes.toString("utf8", at, end)) as unknown);
    set(target, key, value);
    return end;
  }

  /** Whether `start`-`end` is a string without escapes or the control bytes JSON refuses. */
  private isPlainString(start: number, end: number): boolean {
    const { bytes } = this;
    if (bytes[start] !== QUOTE) return false;
    for (let i = start + 1; i < end - 1; i++) {
      const byte = bytes[i]!;
      if (byte < 0x20 || byte === BACKSLASH) return false;
    }
    return true;
  }

  /** Whether the last string `stringEnd` walked has escapes. */
  private escaped = false;

  /** The key spanning `span` (its quotes included). */
  private key({ start, end, escaped }: Span): string {
    return escaped
      ? (JSON.parse(this.bytes.toString("utf8", start, end)) as string)
      : this.bytes.toString("utf8", start + 1, end - 1);
  }

  /** Whether the bytes of `span` are those of `name`. */
  private spells({ start, end }: Span, name: Buffer): boolean {
    if (end - start !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.bytes[start + i] !== name[i]) return false;
    return true;
  }

  /**
   * Walks the object at `at` (after white space), handing each member's key and value
   * position to `member`, which returns where the value ends; returns the object's end.
   */
  private object(at: number, member: (key: Span, valueAt: number) => number): number {
    const { bytes } = this;
    let i = this.space(at);
    if (bytes[i] !== OPEN_BRACE) throw new Unexpected();
    i = this.space(i + 1);
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (bytes[i] !== QUOTE) throw new Unexpected();
      const key: Span = { start: i, end: this.stringEnd(i), escaped: this.escaped };
      i = this.space(key.end);
      if (bytes[i] !== COLON) throw new Unexpected();
      i = this.space(member(key, this.space(i + 1)));
      if (bytes[i] === CLOSE_BRACE) return i + 1;
      if (bytes[i] !== COMMA) throw new Unexpected();
      i = this.space(i + 1);
    }
  }

  /** The end of the string whose opening quote is at `at`, after its closing quote. */
  private stringEnd(at: number): number {
    const { bytes } = this;
    this.escaped = false;
    for (let i = at + 1; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === BACKSLASH) {
        this.escaped = true;
        i++;
      } else if (byte === QUOTE) return i + 1;
    }
    throw new Unexpected();
  }

  /** The end of the value at `at`: a string, an object or array with its brackets, a scalar. */
  private valueEnd(at: number): number {
    const { bytes } = this;
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = this.stringEnd(i) - 1;
        if (depth === 0) return i + 1;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (depth === 0) return nonEmpty(at, i);
        if (--depth === 0) return i + 1;
      } else if (depth === 0 && (byte === COMMA || isSpace(byte))) return nonEmpty(at, i);
    }
    if (depth === 0) return nonEmpty(at, bytes.length);
    throw new Unexpected();
  }

  /** The first position from `at` that is not JSON white space. */
  private space(at: number): number {
    let i = at;
    while (i < this.bytes.length && isSpace(this.bytes[i]!)) i++;
    return i;
  }
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function nonEmpty(start: number, end: number): number {
  if (end === start) throw new Unexpected();
  return end;
}

const newObject = (): Record<string, unknown> => ({});

/** As JSON.parse sets a member: `__proto__` too is an own property, never the prototype. */
function set(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
}
