import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createReporter,
  MIN_TASK_LIST_COLUMNS,
  PlainReporter,
  TaskListReporter,
  usesTaskList,
} from '../../lab/run/reporter.ts';

describe('usesTaskList', () => {
  it.each([
    { interactive: true, columns: 120, expected: true },
    { interactive: true, columns: 40, expected: true },
    { interactive: true, columns: 39, expected: false },
    { interactive: true, columns: 0, expected: false },
    { interactive: true, columns: undefined, expected: false },
    { interactive: false, columns: 120, expected: false },
    { interactive: false, columns: undefined, expected: false },
  ])('interactive $interactive, $columns columns', ({ interactive, columns, expected }) => {
    expect(usesTaskList(interactive, columns)).toBe(expected);
  });

  it('sets the floor at 40 columns', () => {
    expect(MIN_TASK_LIST_COLUMNS).toBe(40);
  });
});

describe('createReporter', () => {
  /** Creates a stream that reports a terminal width, as a tty.WriteStream does. */
  function terminal(columns: number | undefined): NodeJS.WritableStream {
    return Object.assign(new PassThrough(), { columns, isTTY: true });
  }

  it.each([0, 39, undefined])('prints plain lines at %s columns', async (columns) => {
    const reporter = createReporter({ stream: terminal(columns), color: false, interactive: true });

    expect(reporter).toBeInstanceOf(PlainReporter);
    await reporter.close();
  });

  it('draws the task list at 80 columns', async () => {
    const reporter = createReporter({ stream: terminal(80), color: false, interactive: true });

    expect(reporter).toBeInstanceOf(TaskListReporter);
    await reporter.close();
  });

  it('prints plain lines when not interactive', async () => {
    const reporter = createReporter({ stream: terminal(80), color: false, interactive: false });

    expect(reporter).toBeInstanceOf(PlainReporter);
    await reporter.close();
  });
});
