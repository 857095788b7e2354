import { describe, expect, it } from 'vitest';
import { recordedCommandLine } from '../../lab/cli/command.ts';

describe('recordedCommandLine', () => {
  it.each([
    {
      start: 'npx cache',
      argv: [
        '/usr/bin/node',
        '/root/.npm/_npx/abbd1234/node_modules/.bin/lab',
        'run',
        'vault-sealed',
      ],
      expected: ['lab', 'run', 'vault-sealed'],
    },
    {
      start: 'project bin',
      argv: [
        '/usr/bin/node',
        '/work/basecamp-lab/bin/lab.js',
        'verify-runbooks',
        '--basecamp',
        'kind',
      ],
      expected: ['lab', 'verify-runbooks', '--basecamp', 'kind'],
    },
    { start: 'no arguments', argv: ['/usr/bin/node', 'lab'], expected: ['lab'] },
  ])('starts with lab from $start', ({ argv, expected }) => {
    expect(recordedCommandLine(argv)).toEqual(expected);
  });

  it('reads process.argv by default', () => {
    expect(recordedCommandLine()).toEqual(['lab', ...process.argv.slice(2)]);
  });
});
