/**
 * `lab report [RUN]`: re-renders a run's report.md, report.html, junit.xml
 * and charts from its run.json alone, and checks the report's links. The
 * leak check needs the run's secrets, which are never stored, so it runs only
 * at the end of `lab run`.
 */
import path from 'node:path';
import { ExitCode } from '../../core/errors.ts';
import { renderRunReport, resolveRunDir } from '../../report/index.ts';
import type { RegisterCommand } from '../command.ts';

interface ReportCommandOptions {
  root?: string;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('report')
    .description("re-render a run's report (markdown, HTML, JUnit, charts) from its run.json")
    .argument('[run]', 'run id under reports/, "latest", or a path to a run folder', 'latest')
    .option(
      '--root <dir>',
      'project root containing reports/, runbooks/ and adrs/ (default: the lab folder)',
    )
    .addHelpText(
      'after',
      '\nExits 0 when the report rendered and every runbook and ADR link resolves, 1 when a link is broken,\n' +
        '2 when the run is not found or its run.json is invalid.\n' +
        "The run's own verdict is printed, not turned into the exit code.\n",
    )
    .action(async (reference: string, options: ReportCommandOptions) => {
      const root = path.resolve(options.root ?? context.root);
      const runDir = await resolveRunDir(root, reference);
      const result = await renderRunReport(runDir, { root });

      const out = context.stdout;
      out.write(`run ${path.basename(runDir)}: ${result.status}\n`);
      out.write(`wrote ${result.files.length} files to ${runDir}:\n`);
      for (const file of result.files) out.write(`  ${file}\n`);
      out.write(
        result.brokenLinks.length === 0
          ? 'links: every runbook and ADR link resolves\n'
          : `links: ${result.brokenLinks.length} broken\n`,
      );
      for (const link of result.brokenLinks) out.write(`  ${link.href}: ${link.reason}\n`);
      out.write(
        "leak check: skipped (the run's secrets are not stored; lab run checks for leaks)\n",
      );
      context.setExitCode(result.problems.length === 0 ? ExitCode.passed : ExitCode.checkFailed);
    });
};
