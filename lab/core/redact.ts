/**
 * The redactor every log line, event and report passes through. A secret is
 * registered the moment the run sees it; from then on its raw form and the
 * encodings it travels in (base64 as in a Kubernetes Secret's `data`,
 * base64url, JSON-escaped, URL-encoded, and each line of a multi-line value)
 * are replaced by a mask.
 */

export const MASK = '[redacted]';

/** Values shorter than this are not registered: masking them would mask ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/** Lines of a multi-line secret shorter than this are left alone (PEM headers are long enough). */
const MIN_LINE_LENGTH = 8;

export class Redactor {
  readonly #needles = new Set<string>();
  readonly #secrets = new Set<string>();
  #sorted: string[] | null = null;

  /** Registers a secret value and its encoded forms. Returns false when the value is too short to mask. */
  register(value: string | undefined | null): boolean {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return false;
    if (this.#secrets.has(value)) return true;
    this.#secrets.add(value);
    for (const form of encodedForms(value)) {
      if (form.length >= MIN_SECRET_LENGTH) this.#needles.add(form);
    }
    this.#sorted = null;
    return true;
  }

  /** Returns every raw secret registered so far, for the leak check after a run. */
  secrets(): string[] {
    return [...this.#secrets];
  }

  /** Returns every masked form (raw and encoded), longest first. */
  needles(): string[] {
    if (!this.#sorted) this.#sorted = [...this.#needles].sort((a, b) => b.length - a.length);
    return this.#sorted;
  }

  /** The length of the longest needle: what a streaming redactor must hold back. */
  maxNeedleLength(): number {
    return this.needles()[0]?.length ?? 0;
  }

  /** Replaces every registered form in `text` by the mask. */
  redact(text: string): string {
    let result = text;
    for (const needle of this.needles()) {
      if (result.includes(needle)) result = result.split(needle).join(MASK);
    }
    return result;
  }

  /** Redacts every string inside a JSON-like value, keys included. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }

  /** Returns the needles found in `text`: empty when nothing leaked. */
  findLeaks(text: string): string[] {
    return this.needles().filter((needle) => text.includes(needle));
  }

  /**
   * A redactor for a stream that arrives in chunks, where a secret may be
   * split across two chunks. It holds back the last `maxNeedleLength - 1`
   * characters until the next chunk or `flush`.
   */
  stream(): StreamRedactor {
    return new StreamRedactor(this);
  }
}

export class StreamRedactor {
  readonly #redactor: Redactor;
  #pending = '';

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /**
   * Returns the redacted text that is safe to emit now. The held-back tail
   * stays raw, and the cut never splits a registered form, so the output
   * equals `redact` of the whole stream however it was chunked.
   */
  write(chunk: string): string {
    const buffer = this.#pending + chunk;
    const hold = Math.max(0, this.#redactor.maxNeedleLength() - 1);
    const cut = safeCut(buffer, buffer.length - hold, this.#redactor.needles());
    if (cut <= 0) {
      this.#pending = buffer;
      return '';
    }
    this.#pending = buffer.slice(cut);
    return this.#redactor.redact(buffer.slice(0, cut));
  }

  /** Returns whatever is still held back, redacted. */
  flush(): string {
    const rest = this.#redactor.redact(this.#pending);
    this.#pending = '';
    return rest;
  }
}

/**
 * Moves `cut` back until no occurrence of a needle starts before it and ends
 * after it. Every occurrence that starts before the first cut is complete in
 * `buffer`, because the held-back tail is one shorter than the longest needle.
 */
function safeCut(buffer: string, cut: number, needles: readonly string[]): number {
  let current = cut;
  let moved = true;
  while (moved && current > 0) {
    moved = false;
    for (const needle of needles) {
      const from = Math.max(0, current - needle.length + 1);
      for (
        let index = buffer.indexOf(needle, from);
        index !== -1 && index < current;
        index = buffer.indexOf(needle, index + 1)
      ) {
        if (index + needle.length > current) {
          current = index;
          moved = true;
        }
      }
    }
  }
  return current;
}

/** Lists the forms a secret value travels in through Kubernetes, Vault, JSON and URLs. */
export function encodedForms(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const forms = [
    value,
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
    JSON.stringify(value).slice(1, -1),
    JSON.stringify(JSON.stringify(value)).slice(1, -1),
    encodeURIComponent(value),
  ];
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= MIN_LINE_LENGTH) forms.push(line.trim());
    }
  }
  return [...new Set(forms)];
}
