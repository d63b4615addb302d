import type { Project, ReportDestinationName } from '@tundra/core';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import { toMarkdown } from '../format/markdown.js';
import type { Report } from '../model/report.js';
import { renderChart } from '../render/render-chart.js';
import { reportTitles } from '../reports/build-report.js';
import { slackMessage } from '../slack/blocks.js';
import { reportFolder, writeReportFiles } from './destinations/directory.js';
import { postToSlack } from './destinations/slack.js';
import { keepWikiPage, wikiPageFor } from './destinations/taiga-wiki.js';
import { DeliveryRefusedError } from './errors.js';
import type { ReportMetrics } from './metrics.js';

export interface DeliveryContext {
  taiga: TaigaClient;
  /** Where `webhookUrlRef` variables are read. */
  env: Record<string, string | undefined>;
  /** TUNDRA_REPORTS_DIR: directory destinations are paths under it. */
  reportsDir: string;
  /** Taiga's web front, for links to wiki pages (TUNDRA_TAIGA_WEB_URL). */
  taigaWebUrl: string | null;
  fetch?: typeof fetch;
  metrics: ReportMetrics;
  logger: Logger;
}

export interface Delivered {
  destination: ReportDestinationName;
  /** Where it landed: a folder, a wiki page URL, `slack`. */
  location: string;
}

/** The order destinations are served in: files first (Slack and the wiki link their charts), Slack last. */
const order: ReportDestinationName[] = ['directory', 'taigaWiki', 'slack'];

/**
 * Sends a report to the project's destinations named (all configured ones by default), skipping those in
 * `already` (a retried job's earlier deliveries), reporting each success through `onDelivered` as it happens.
 */
export async function deliverReport(
  project: Project,
  report: Report,
  names: readonly ReportDestinationName[] | undefined,
  context: DeliveryContext,
  already: ReadonlySet<string>,
  onDelivered: (delivered: Delivered) => Promise<void>,
): Promise<Delivered[]> {
  const destinations = project.reports?.destinations ?? {};
  const wanted = order.filter(
    (name) => destinations[name] !== undefined && (names === undefined || names.includes(name)),
  );
  const charts = await Promise.all(report.charts.map((chart) => renderChart(chart, { png: true })));
  const publicBase = destinations.directory?.publicUrl?.replace(/\/+$/, '') ?? null;
  const folderUrl = publicBase ? `${publicBase}/${reportFolder(report)}` : null;
  const chartUrl = (id: string) => (folderUrl ? `${folderUrl}/charts/${id}.png` : null);
  let fullReport = folderUrl ? `${folderUrl}/report.html` : null;
  const delivered: Delivered[] = [];

  for (const name of wanted) {
    const stop = async (location: string) => {
      context.metrics.deliveries.inc({ destination: name, outcome: 'success' });
      const entry = { destination: name, location };
      delivered.push(entry);
      await onDelivered(entry);
    };
    try {
      if (name === 'directory' && destinations.directory) {
        const base = `${context.reportsDir.replace(/\/+$/, '')}/${destinations.directory.path}`;
        if (!already.has(name)) await stop(await writeReportFiles(base, report, charts));
      } else if (name === 'taigaWiki' && destinations.taigaWiki) {
        const page = wikiPageFor(reportTitles[report.kind], destinations.taigaWiki.titlePrefix);
        const url = context.taigaWebUrl
          ? `${context.taigaWebUrl.replace(/\/+$/, '')}/project/${project.taiga.projectSlug}/wiki/${page.slug}`
          : `wiki page ${page.slug} of Taiga project ${project.taiga.projectSlug}`;
        if (context.taigaWebUrl) fullReport = url;
        if (!already.has(name)) {
          const content = toMarkdown(report, (chart) => chartUrl(chart.id));
          await keepWikiPage(context.taiga, project.taiga.projectId, page, content);
          await stop(url);
        }
      } else if (name === 'slack' && destinations.slack && !already.has(name)) {
        const url = context.env[destinations.slack.webhookUrlRef];
        if (!url)
          throw new DeliveryRefusedError(
            `${destinations.slack.webhookUrlRef} is not set: no Slack webhook to post to`,
          );
        const images = new Map(
          charts.flatMap((chart) => (chartUrl(chart.id) ? [[chart.id, chartUrl(chart.id) as string]] : [])),
        );
        await postToSlack(url, slackMessage(report, { fullReport, chartImages: images }), context.fetch);
        await stop('slack');
      }
    } catch (error) {
      context.metrics.deliveries.inc({ destination: name, outcome: 'failed' });
      context.logger.warn({ err: error, destination: name, report: report.kind }, 'report delivery failed');
      throw error;
    }
  }
  return delivered;
}
