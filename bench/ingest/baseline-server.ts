// The baseline the ingester is measured against: a bare node:http server that verifies the Taiga HMAC on the raw
// body and does one BullMQ add, nothing else (no routing, no inbox, no de-duplication, no express).
import { createServer } from 'node:http';
import { QueueName } from '@tundra/core';
import { createLogger, createRedis, JobQueues } from '@tundra/core/server';
// The root package does not depend on @tundra/taiga; the verify function is imported by path, not copied.
import { verifyTaigaSignature } from '../../packages/taiga/src/webhook-signature.js';

const [redisUrl, prefix, key, port] = process.argv.slice(2);
const redis = createRedis(
  { url: redisUrl!, clusterNodes: [] },
  createLogger({ app: 'bench-baseline', level: 'warn', format: 'json' }),
  'baseline',
);
await redis.connect();
const queue = new JobQueues(redis, prefix!).queue(QueueName.Plan);
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200).end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verifyTaigaSignature(body, key!, req.headers['x-taiga-webhook-signature'] as string | undefined)) {
      res.writeHead(401).end();
      return;
    }
    queue.add('webhook', { body: body.toString('utf8') }).then(
      (job) =>
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ jobId: job.id })),
      () => res.writeHead(503).end(),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void queue.close().then(() => redis.quit());
});
