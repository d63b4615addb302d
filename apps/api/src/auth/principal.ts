import type { Actor } from '@tundra/core';

/** Who a request acts as: the admin token, or a token that belongs to one project. */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'project'; readonly projectId: string; readonly tokenName: string };

/** The identity recorded as the actor of every action: `admin` or `project:<id>/<tokenName>`. */
export function principalName(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : `project:${principal.projectId}/${principal.tokenName}`;
}

export function actorOf(principal: Principal): Actor {
  return { kind: 'operator', name: principalName(principal) };
}

/** Whether the principal may see (and act on) anything of the project. */
export function canSee(principal: Principal, projectId: string): boolean {
  return principal.kind === 'admin' || principal.projectId === projectId;
}
