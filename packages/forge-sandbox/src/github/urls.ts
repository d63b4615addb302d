/** Where the sandbox's GitHub answers: the API under `/api/v3` (GitHub Enterprise Server's layout), web pages and git at the root. */
export interface GithubUrls {
  /** `http://127.0.0.1:PORT` (or the public URL): web pages and git. */
  web: string;
  /** `${web}/api/v3`. */
  api: string;
}

export function githubUrls(base: string): GithubUrls {
  const web = base.replace(/\/$/, '');
  return { web, api: `${web}/api/v3` };
}

/** A node id in GitHub's legacy form (base64 of `0NN:Type<id>`), stable for a record. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64').replace(/=+$/, '');
}
