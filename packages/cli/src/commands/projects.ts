import { readFile } from 'node:fs/promises';
import type { Project } from '@tundra/core';
import type { Command } from 'commander';
import { applyProjects, readProjectsFile } from '../apply.js';
import { withContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../output.js';
import { registerProjectBudget } from './project-budget.js';
import { printWebhookCheck, printWebhookWork, type WebhookCheck } from './webhook-output.js';

function trigger(project: Project): string {
  const parts = [
    ...(project.trigger.onBotAssignment ? ['bot assignment'] : []),
    ...project.trigger.statusSlugs.map((slug) => `status ${slug}`),
  ];
  return parts.join(', ') || '-';
}

export function registerProjects(program: Command, io: Io, env: Record<string, string | undefined>): void {
  const projects = program
    .command('projects')
    .description('Projects: list, show, apply settings from a file');

  projects
    .command('list')
    .description('List the projects the token can see')
    .action(
      withContext(io, env, async ({ api, out }) => {
        const { projects: list } = await api.request<{ projects: Project[] }>('GET', '/projects');
        out.result({ projects: list }, () =>
          out.table(
            ['ID', 'NAME', 'TAIGA PROJECT', 'TRIGGER', 'VERSION'],
            list.map((p) => [
              p.id,
              p.name,
              `${p.taiga.projectSlug} (${p.taiga.projectId})`,
              trigger(p),
              String(p.version),
            ]),
          ),
        );
      }),
    );

  projects
    .command('show')
    .description("Show a project's settings")
    .argument('<id>', 'project id')
    .action(
      withContext(io, env, async ({ api, out }, id: string) => {
        const { project } = await api.request<{ project: Project }>(
          'GET',
          `/projects/${encodeURIComponent(id)}`,
        );
        out.result({ project }, () => out.yaml(project));
      }),
    );

  registerProjectBudget(projects, io, env);

  projects
    .command('apply')
    .description(
      'Register or update the projects a YAML file declares, and create or verify their webhook in Taiga; ' +
        'applying the same file twice changes nothing',
    )
    .requiredOption('-f, --file <path>', 'YAML file: one project per document, a list, or {projects: [...]}')
    .option('--no-webhook', "leave the projects' webhooks in Taiga alone")
    .action(
      withContext(io, env, async ({ api, out }, options: { file: string; webhook: boolean }) => {
        let text: string;
        try {
          text = await readFile(options.file, 'utf8');
        } catch (error) {
          throw usageError(
            `cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        const results = await applyProjects(api, readProjectsFile(text, options.file), {
          webhooks: options.webhook,
        });
        const failed = results.filter((r) => r.result === 'failed');
        out.result(
          {
            results: results.map((r) =>
              r.result === 'failed' ? { id: r.id, result: r.result, error: r.error.body } : r,
            ),
          },
          () => {
            out.table(
              ['PROJECT', 'RESULT', 'VERSION', 'WEBHOOK'],
              results.map((r) =>
                r.result === 'failed'
                  ? [r.id, r.result, '-', '-']
                  : [r.id, r.result, String(r.version), r.webhook?.state ?? '-'],
              ),
            );
            for (const r of failed) if (r.result === 'failed') out.warn(`${r.id}: ${r.error.message}`);
            for (const r of results)
              if (r.result !== 'failed' && r.webhook) printWebhookWork(out, r.id, r.webhook);
            const count = (kind: string) => results.filter((r) => r.result === kind).length;
            out.line(
              `${results.length} project(s): ${count('created')} created, ${count('updated')} updated, ` +
                `${count('unchanged')} unchanged, ${failed.length} failed`,
            );
          },
        );
        const first = failed[0];
        if (first?.result === 'failed') throw new CliError('', first.error.exitCode, null);
        // The projects are saved; a webhook Taiga could not be asked about is still a failure to report.
        if (results.some((r) => r.result !== 'failed' && r.webhook?.state === 'failed'))
          throw new CliError('', ExitCode.Error, null);
      }),
    );

  projects
    .command('check')
    .description(
      "Live check of a project's webhook: Taiga sends its test delivery now, the ingester's answer says whether " +
        'it verified the signature, and the last deliveries show with their statuses',
    )
    .argument('<id>', 'project id')
    .action(
      withContext(io, env, async ({ api, out }, id: string) => {
        const check = await api.request<WebhookCheck>(
          'POST',
          `/projects/${encodeURIComponent(id)}/taiga-webhook/check`,
        );
        out.result(check, () => printWebhookCheck(out, check));
        if (!check.test?.verified) throw new CliError('', ExitCode.Error, null);
      }),
    );
}
