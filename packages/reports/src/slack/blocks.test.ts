import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { bugFlowReport } from '../reports/bug-flow.js';
import { exceptionsReport } from '../reports/exceptions.js';
import { slackMessage } from './blocks.js';

/**
 * Block Kit's documented structure (api.slack.com/reference/block-kit/blocks and composition objects) for the
 * blocks Tundra sends, with the documented limits: 50 blocks a message, header text plain_text ≤ 150, section text ≤
 * 3,000 and fields ≤ 10 of ≤ 2,000, context elements ≤ 10, image_url ≤ 3,000 and alt_text ≤ 2,000, block_id ≤ 255.
 */
const plainText = (max: number) =>
  z
    .object({
      type: z.literal('plain_text'),
      text: z.string().min(1).max(max),
      emoji: z.boolean().optional(),
    })
    .strict();
const mrkdwn = (max: number) =>
  z
    .object({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max), verbatim: z.boolean().optional() })
    .strict();
const textObject = (max: number) => z.union([plainText(max), mrkdwn(max)]);
const blockId = { block_id: z.string().max(255).optional() };
const BlockKitBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: plainText(150), ...blockId }).strict(),
  z
    .object({
      type: z.literal('section'),
      text: textObject(3000).optional(),
      fields: z.array(textObject(2000)).max(10).optional(),
      ...blockId,
    })
    .strict()
    .refine(
      (block) => block.text !== undefined || block.fields !== undefined,
      'a section needs text or fields',
    ),
  z
    .object({
      type: z.literal('context'),
      elements: z.array(textObject(3000)).min(1).max(10),
      ...blockId,
    })
    .strict(),
  z
    .object({
      type: z.literal('image'),
      image_url: z.url().max(3000),
      alt_text: z.string().min(1).max(2000),
      title: plainText(2000).optional(),
      ...blockId,
    })
    .strict(),
  z.object({ type: z.literal('divider'), ...blockId }).strict(),
]);
const IncomingWebhookMessage = z
  .object({ text: z.string().min(1), blocks: z.array(BlockKitBlock).min(1).max(50) })
  .strict();

describe('Slack messages', () => {
  it('match Block Kit: header, figures, charts with a public image, the link to the full report', () => {
    const report = bugFlowReport(handMadeProject(), handMadeOptions());
    const message = slackMessage(report, {
      fullReport: 'http://taiga.example/project/p/wiki/tundra-bugs',
      chartImages: new Map([['open-bugs-by-age', 'http://reports.example/p/open-bugs-by-age.png']]),
    });
    expect(IncomingWebhookMessage.safeParse(message).error).toBeUndefined();
    expect(message.blocks.map((block) => block.type)).toEqual([
      'header',
      'context',
      'section',
      'image',
      'section',
      'context',
    ]);
    expect(JSON.stringify(message.blocks)).toContain(
      '<http://taiga.example/project/p/wiki/tundra-bugs|Full report>',
    );
  });

  it('say which rule fired and why', () => {
    const report = exceptionsReport(
      handMadeProject(),
      handMadeOptions({ rules: [{ kind: 'blocked-longer-than', days: 2 }] }),
    );
    const message = slackMessage(report, { fullReport: null, chartImages: new Map() });
    expect(IncomingWebhookMessage.safeParse(message).error).toBeUndefined();
    expect(message.text).toBe('Exceptions — Hand made: an item blocked for more than 2 days');
    expect(message.blocks[3]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: ':warning: *Rule fired: an item blocked for more than 2 days*\n1 item blocked for more than 2 days: US #3 (blocked 4 days: waiting for the API keys).',
      },
    });
  });

  it('stay within 50 blocks and the text limits, however much fired', () => {
    const report = exceptionsReport(
      handMadeProject(),
      handMadeOptions({ rules: [{ kind: 'blocked-longer-than', days: 2 }] }),
    );
    const many = {
      ...report,
      title: 'x'.repeat(400),
      firings: Array.from({ length: 80 }, () => ({ ...report.firings[0]!, reason: 'y'.repeat(5000) })),
    };
    const message = slackMessage(many, { fullReport: 'http://example/full', chartImages: new Map() });
    expect(IncomingWebhookMessage.safeParse(message).error).toBeUndefined();
    expect(message.blocks).toHaveLength(50);
    expect(message.blocks.at(-2)).toMatchObject({
      type: 'section',
      text: { text: '<http://example/full|Full report>' },
    });
  });
});
