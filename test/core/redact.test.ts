import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EventBus, MemorySink } from '../../lab/core/events.ts';
import { MASK, Redactor } from '../../lab/core/redact.ts';

const PASSWORD = 'hunter2-Zq9!xY';

function redactorWith(...secrets: string[]): Redactor {
  const redactor = new Redactor();
  for (const secret of secrets) redactor.register(secret);
  return redactor;
}

describe('Redactor', () => {
  test('masks the raw value', () => {
    const redactor = redactorWith(PASSWORD);
    expect(redactor.redact(`password=${PASSWORD} ok`)).toBe(`password=${MASK} ok`);
  });

  test('masks base64 forms as in a Secret', () => {
    const redactor = redactorWith(PASSWORD);
    const base64 = Buffer.from(PASSWORD).toString('base64');
    const unpadded = base64.replace(/=+$/, '');
    expect(redactor.redact(`data: {password: ${base64}}`)).toBe(`data: {password: ${MASK}}`);
    expect(redactor.redact(`jwt-part ${unpadded}.`)).toBe(`jwt-part ${MASK}.`);
    expect(redactor.redact(Buffer.from(PASSWORD).toString('base64url'))).toBe(MASK);
  });

  test('masks JSON-escaped forms', () => {
    const secret = 'p"a\\ss\tword';
    const redactor = redactorWith(secret);
    const once = JSON.stringify({ password: secret });
    const twice = JSON.stringify({ body: once });
    expect(redactor.redact(once)).toBe(`{"password":"${MASK}"}`);
    expect(redactor.redact(twice)).not.toContain('a\\\\ss');
    expect(redactor.findLeaks(redactor.redact(twice))).toEqual([]);
  });

  test('masks URL-encoded form', () => {
    const secret = 'a b&c=d/e';
    const redactor = redactorWith(secret);
    expect(redactor.redact(`postgres://app:${encodeURIComponent(secret)}@db`)).toBe(
      `postgres://app:${MASK}@db`,
    );
  });

  test('masks each line of a multi-line secret', () => {
    const key = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
      '-----END PRIVATE KEY-----',
    ].join('\n');
    const redactor = redactorWith(key);
    expect(redactor.redact(key)).toBe(MASK);
    // A log that prints one line of the key alone still hides it.
    expect(redactor.redact('line: BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj')).toBe(`line: ${MASK}`);
    // Lines of a key written with CRLF.
    const crlf = redactor.redact(key.replace(/\n/g, '\r\n'));
    expect(crlf).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
  });

  test('leaves short values alone', () => {
    const redactor = new Redactor();
    expect(redactor.register('abc')).toBe(false);
    expect(redactor.register('')).toBe(false);
    expect(redactor.register(undefined)).toBe(false);
    expect(redactor.redact('abc abc')).toBe('abc abc');
  });

  test('longer secret masked before its prefix', () => {
    const redactor = redactorWith('secret', 'secret-and-more');
    expect(redactor.redact('x secret-and-more y secret')).toBe(`x ${MASK} y ${MASK}`);
  });

  test('redactValue masks keys and values', () => {
    const redactor = redactorWith(PASSWORD);
    const value = { [PASSWORD]: [PASSWORD, { nested: `a${PASSWORD}b` }], count: 3 };
    expect(redactor.redactValue(value)).toEqual({
      [MASK]: [MASK, { nested: `a${MASK}b` }],
      count: 3,
    });
  });
});

describe('StreamRedactor', () => {
  test('secret split across chunks', () => {
    const redactor = redactorWith(PASSWORD);
    const stream = redactor.stream();
    const output =
      stream.write(`user app password ${PASSWORD.slice(0, 5)}`) +
      stream.write(`${PASSWORD.slice(5)} done\n`) +
      stream.flush();
    expect(output).toBe(`user app password ${MASK} done\n`);
  });

  test('one character per chunk', () => {
    const redactor = redactorWith(PASSWORD);
    const stream = redactor.stream();
    const text = `a ${PASSWORD} b ${Buffer.from(PASSWORD).toString('base64')} c`;
    let output = '';
    for (const character of text) output += stream.write(character);
    output += stream.flush();
    expect(output).toBe(`a ${MASK} b ${MASK} c`);
  });

  test('any chunking hides the secret', () => {
    const redactor = redactorWith(PASSWORD);
    const text = `start ${PASSWORD} middle ${JSON.stringify(PASSWORD)} end`;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const stream = redactor.stream();
        let output = '';
        let previous = 0;
        for (const point of [...points, text.length]) {
          output += stream.write(text.slice(previous, point));
          previous = point;
        }
        output += stream.flush();
        expect(output).toBe(redactor.redact(text));
        expect(output).not.toContain(PASSWORD);
      }),
      { numRuns: 200 },
    );
  });
});

describe('EventBus redaction', () => {
  test('events reach sinks redacted', async () => {
    const redactor = redactorWith(PASSWORD);
    const bus = new EventBus('20261204T194512Z-ab12', redactor);
    const sink = new MemorySink();
    bus.addSink(sink);

    bus.log('info', `rotated to ${PASSWORD}`, { password: PASSWORD });
    await expect(
      bus.step({ step: 'login', target: 'basecamp/app' }, async () => {
        throw new Error(`login failed for password ${PASSWORD}`);
      }),
    ).rejects.toThrow();

    const text = JSON.stringify(sink.events);
    expect(text).not.toContain(PASSWORD);
    expect(sink.events.map((event) => event.type)).toEqual(['log', 'step.start', 'step.end']);
    expect(sink.events[2]).toMatchObject({
      type: 'step.end',
      status: 'failed',
      error: `login failed for password ${MASK}`,
    });
  });
});
