import { describe, expect, it } from 'vitest';
import { executeTemplate, parseTemplate } from '../../../lab/emulators/eso/go-template.ts';

const data = {
  username: 'app',
  password: 's3cr3t',
  'db-host': 'postgres.basecamp.svc',
  json: '{"a":{"b":"c"}}',
};

describe('go template subset', () => {
  const cases: Array<[string, string, string]> = [
    ['field', '{{ .username }}', 'app'],
    [
      'text around fields',
      'postgres://{{ .username }}:{{ .password }}@host/app',
      'postgres://app:s3cr3t@host/app',
    ],
    ['pipeline into function', '{{ .username | upper }}', 'APP'],
    ['chained pipeline', '{{ .username | b64enc | b64dec }}', 'app'],
    ['b64enc', '{{ .password | b64enc }}', Buffer.from('s3cr3t').toString('base64')],
    ['printf', '{{ printf "%s:%s" .username .password }}', 'app:s3cr3t'],
    ['index with dash key', '{{ index . "db-host" }}', 'postgres.basecamp.svc'],
    ['parenthesised argument', '{{ printf "%s" (.username | upper) }}', 'APP'],
    ['default for empty', '{{ "" | default "none" }}', 'none'],
    ['quote', '{{ .username | quote }}', '"app"'],
    ['trim markers', 'a  {{- .username -}}  b', 'aappb'],
    ['comment', 'x{{/* ignored */}}y', 'xy'],
    ['fromJson and get', '{{ get (get (.json | fromJson) "a") "b" }}', 'c'],
    ['replace', '{{ .username | replace "a" "o" }}', 'opp'],
    ['raw string', '{{ `x"y` }}', 'x"y'],
    ['nindent', 'k:{{ .username | nindent 2 }}', 'k:\n  app'],
    [
      'sha256sum',
      '{{ .username | sha256sum }}',
      'a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333',
    ],
  ];

  for (const [name, source, expected] of cases) {
    it(name, () => {
      expect(executeTemplate('key', source, data)).toBe(expected);
    });
  }

  it('missing key fails like missingkey=error', () => {
    expect(() => executeTemplate('conn', '{{ .nope }}', data)).toThrow(
      'template: conn: executing "conn" at <.nope>: map has no entry for key "nope"',
    );
  });

  it('unknown function is a parse error', () => {
    expect(() => parseTemplate('conn', '{{ .username | shout }}')).toThrow(
      'function "shout" not defined',
    );
  });

  it('control structures name the construct', () => {
    expect(() => parseTemplate('conn', '{{ if .username }}x{{ end }}')).toThrow(
      '"if" is not supported',
    );
  });

  it('variables are rejected', () => {
    expect(() => parseTemplate('conn', '{{ $x := .username }}')).toThrow(
      'variables are not supported',
    );
  });

  it('unclosed action is a parse error', () => {
    expect(() => parseTemplate('conn', 'a {{ .username')).toThrow('unclosed action');
  });

  it('prototype names are not functions', () => {
    expect(() => parseTemplate('conn', '{{ constructor }}')).toThrow(
      'function "constructor" not defined',
    );
  });
});
