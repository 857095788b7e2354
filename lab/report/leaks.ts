/**
 * The leak check: after a run has written its files, every file of the run
 * folder is searched for every secret the run handled, in each form the
 * redactor masks (raw, base64, base64url, JSON-escaped, URL-encoded, lines of
 * a multi-line value). A finding names the file, the line and the form, never
 * the value.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redactor } from '../core/redact.ts';

export interface Leak {
  /** Path relative to the scanned folder. */
  file: string;
  /** 1-based line of the first occurrence. */
  line: number;
  /** Name of the encoding found, for example `base64` or `JSON-escaped`. */
  form: string;
  /** 1-based position of the secret in the order it was registered, to tell secrets apart without showing one. */
  secret: number;
}

/** Files larger than this are read only up to it; run folders hold text reports and logs. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** Scans every regular file under `dir` (symbolic links are not followed) for the redactor's secrets. */
export async function findLeaksInFolder(dir: string, redactor: Redactor): Promise<Leak[]> {
  const forms = labelledForms(redactor.secrets());
  if (forms.length === 0) return [];
  const leaks: Leak[] = [];
  for (const file of await listFiles(dir)) {
    const text = await readText(path.join(dir, file));
    const found = redactor.findLeaks(text);
    // A shorter form inside a longer one found here (base64 without its padding) is the same leak.
    const distinct = found.filter(
      (needle) => !found.some((other) => other !== needle && other.includes(needle)),
    );
    for (const needle of distinct) {
      const form = forms.find((candidate) => candidate.value === needle);
      leaks.push({
        file,
        line: lineOf(text, text.indexOf(needle)),
        form: form?.label ?? 'encoded',
        secret: form?.secret ?? 0,
      });
    }
  }
  return leaks;
}

/** Formats a leak as one line that is safe to print: file, line and form, never the value. */
export function describeLeak(leak: Leak): string {
  return `secret #${leak.secret} appears in ${leak.file} line ${leak.line} (${leak.form} form)`;
}

interface LabelledForm {
  value: string;
  label: string;
  secret: number;
}

/**
 * Lists the forms of each secret with a name, in the order `encodedForms` in
 * core/redact.ts builds them, so a finding can name the encoding that leaked.
 */
function labelledForms(secrets: string[]): LabelledForm[] {
  const forms: LabelledForm[] = [];
  secrets.forEach((secret, index) => {
    const base64 = Buffer.from(secret, 'utf8').toString('base64');
    const candidates: Array<[string, string]> = [
      [secret, 'raw'],
      [base64, 'base64'],
      [base64.replace(/=+$/, ''), 'base64 without padding'],
      [Buffer.from(secret, 'utf8').toString('base64url'), 'base64url'],
      [JSON.stringify(secret).slice(1, -1), 'JSON-escaped'],
      [JSON.stringify(JSON.stringify(secret)).slice(1, -1), 'JSON-escaped twice'],
      [encodeURIComponent(secret), 'URL-encoded'],
      ...secret
        .split(/\r?\n/)
        .filter(() => secret.includes('\n'))
        .map((line): [string, string] => [line.trim(), 'one line of a multi-line value']),
    ];
    for (const [value, label] of candidates) {
      if (!forms.some((form) => form.value === value))
        forms.push({ value, label, secret: index + 1 });
    }
  });
  return forms;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries: Dirent[] = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(dir, relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

async function readText(file: string): Promise<string> {
  const buffer = await readFile(file);
  // NOTE: compressed or encrypted files are scanned as they are, so a secret inside a .gz is not found.
  return buffer.subarray(0, MAX_SCAN_BYTES).toString('utf8');
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let position = 0; position < index; position += 1)
    if (text.charCodeAt(position) === 10) line += 1;
  return line;
}
