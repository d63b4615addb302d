import { describe, expect, it } from 'vitest';
import { signTaigaWebhook, verifyTaigaSignature } from '../src/webhook-signature.js';
import { captureNames, loadWebhookCapture } from './fixtures/index.js';

const webhookCaptures = captureNames().filter((name) => name.startsWith('webhook_'));

describe('Taiga webhook signatures on the captured deliveries (key secret123)', () => {
  it('has captures to check', () => {
    expect(webhookCaptures.length).toBeGreaterThanOrEqual(5);
  });

  it.each(webhookCaptures)('%s: signs and verifies the raw body', (name) => {
    const capture = loadWebhookCapture(name);
    const taigaHeader = capture.headers['X-TAIGA-WEBHOOK-SIGNATURE']!;
    const hubHeader = capture.headers['X-Hub-Signature']!;
    expect(signTaigaWebhook(capture.body, 'secret123')).toBe(taigaHeader);
    expect(signTaigaWebhook(Buffer.from(capture.body, 'utf8'), 'secret123')).toBe(taigaHeader);
    expect(verifyTaigaSignature(Buffer.from(capture.body, 'utf8'), 'secret123', taigaHeader)).toBe(true);
    expect(verifyTaigaSignature(capture.body, 'secret123', hubHeader)).toBe(true);
  });

  it.each(webhookCaptures)('%s: refuses a wrong key, a re-serialised body, a bad header', (name) => {
    const capture = loadWebhookCapture(name);
    const header = capture.headers['X-TAIGA-WEBHOOK-SIGNATURE']!;
    expect(verifyTaigaSignature(capture.body, 'secret124', header)).toBe(false);
    expect(verifyTaigaSignature(JSON.stringify(capture.body_json), 'secret123', header)).toBe(false);
    expect(verifyTaigaSignature(capture.body, 'secret123', header.slice(0, -2))).toBe(false);
    expect(verifyTaigaSignature(capture.body, 'secret123', `${header}00`)).toBe(false);
    expect(verifyTaigaSignature(capture.body, 'secret123', 'z'.repeat(40))).toBe(false);
    expect(verifyTaigaSignature(capture.body, 'secret123', '')).toBe(false);
    expect(verifyTaigaSignature(capture.body, 'secret123', undefined)).toBe(false);
  });
});
