import type Ruler from 'markdown-it/lib/ruler.mjs';

/**
 * A rule markdown-it registered, so that a replacement can call it. markdown-it offers no getter for one rule by
 * name; its ruler keeps them in `__rules__`.
 */
export function ruleNamed<T>(ruler: Ruler<T>, name: string): T {
  const rules = (ruler as unknown as { __rules__: { name: string; fn: T }[] }).__rules__;
  const rule = rules.find((candidate) => candidate.name === name)?.fn;
  if (rule === undefined) throw new Error(`markdown-it has no rule ${name}`);
  return rule;
}
