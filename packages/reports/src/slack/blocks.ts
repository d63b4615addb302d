import type { Block, ContextBlock, HeaderBlock, ImageBlock, KnownBlock, SectionBlock } from '@slack/types';
import { displayCell, periodText } from '../format/cells.js';
import type { Report } from '../model/report.js';

/**
 * Slack's documented limits (Block Kit reference): a message holds at most 50 blocks; a header's text at most 150
 * characters; a section's text at most 3,000; an image's alt text at most 2,000.
 */
export const slackLimits = { blocks: 50, headerText: 150, sectionText: 3000, altText: 2000 } as const;

/** An incoming-webhook message: `text` is the notification's fallback, `blocks` what Slack shows. */
export interface SlackMessage {
  text: string;
  blocks: (KnownBlock | Block)[];
}

export interface SlackLinks {
  /** The full report (the Taiga wiki page, a file served over HTTP, the API). */
  fullReport: string | null;
  /** Chart id → a public URL of its PNG; charts without one are left out (Slack fetches images itself). */
  chartImages: ReadonlyMap<string, string>;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's mrkdwn needs &, < and > escaped. */
function mrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * A report as a Slack message: a header, the headline figures, for an exception report each rule that fired and
 * why, the charts that have a public image, and a link to the full report.
 */
export function slackMessage(report: Report, links: SlackLinks): SlackMessage {
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clip(report.title, slackLimits.headerText), emoji: true },
  };
  const period: ContextBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: mrkdwn(`Period: ${periodText(report)}`) }],
  };
  const summary: SectionBlock = {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: clip(report.summary.map((line) => `• ${mrkdwn(line)}`).join('\n'), slackLimits.sectionText),
    },
  };
  const firings: SectionBlock[] = report.firings.map((firing) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: clip(
        `:warning: *Rule fired: ${mrkdwn(firing.description)}*\n${mrkdwn(firing.reason)}`,
        slackLimits.sectionText,
      ),
    },
  }));
  const images: ImageBlock[] = report.charts.flatMap((chart) => {
    const url = links.chartImages.get(chart.id);
    return url
      ? [
          {
            type: 'image',
            image_url: url,
            alt_text: clip(chart.title, slackLimits.altText),
            title: { type: 'plain_text', text: clip(chart.title, slackLimits.headerText) },
          } satisfies ImageBlock,
        ]
      : [];
  });
  const link: SectionBlock[] = links.fullReport
    ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${links.fullReport}|Full report>` } }]
    : [];
  const footer: ContextBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: mrkdwn(`Made by Tundra at ${displayCell(report.generatedAt, report.period.timeZone)}`),
      },
    ],
  };
  const blocks = [header, period, summary, ...firings, ...images, ...link, footer];
  // Keep the last blocks (the link and the footer) when a long exception report would pass Slack's limit.
  const kept =
    blocks.length <= slackLimits.blocks
      ? blocks
      : [...blocks.slice(0, slackLimits.blocks - 2), ...blocks.slice(-2)];
  const fallback =
    report.firings.length > 0
      ? `${report.title}: ${report.firings.map((f) => f.description).join('; ')}`
      : `${report.title}: ${report.summary[0] ?? ''}`;
  return { text: clip(fallback, slackLimits.sectionText), blocks: kept };
}
