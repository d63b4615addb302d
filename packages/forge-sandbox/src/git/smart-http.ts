import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitHttpRequest {
  /** The directory that holds the bare repositories (`GIT_PROJECT_ROOT`). */
  projectRoot: string;
  /** The path under it, with the service part: `/owner/name.git/info/refs`. */
  pathInfo: string;
  /** The authenticated user; http-backend lets only a request with one push. */
  remoteUser: string;
}

/**
 * Serves git's smart-HTTP protocol through `git http-backend` as a CGI child process, the way a forge's git front
 * end does: the request body goes to its stdin, its CGI headers become the response's status and headers.
 * Resolves once the response is sent.
 */
export function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  request: GitHttpRequest,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: request.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: request.pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
  };
  const encoding = req.headers['content-encoding'];
  if (typeof encoding === 'string') env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.HTTP_GIT_PROTOCOL = protocol;

  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let head = Buffer.alloc(0);
    let headersDone = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      res.write(head.subarray(end + 4));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (!headersDone) {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain');
        res.end(`git http-backend failed (exit ${code}): ${stderr.trim()}\n`);
      } else {
        res.end();
      }
      resolve();
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => {
      // http-backend may exit before reading the whole body (e.g. a refused push); its answer says why.
    });
  });
}
