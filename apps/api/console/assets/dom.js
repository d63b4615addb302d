// Building the page from data without innerHTML: text is always text, never markup.

import { ApiRefusal } from './api.js';

/** An element with attributes (`on*` functions become listeners) and children (strings, nodes, arrays, null). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * A table in its scrolling wrapper: the column headings (text, or `{text, class}`), the rows, and an optional
 * caption.
 */
export function table(headings, rows, caption = null) {
  const th = (heading) =>
    typeof heading === 'string'
      ? h('th', { scope: 'col' }, heading)
      : h('th', { scope: 'col', class: heading.class }, heading.text);
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, caption, h('thead', {}, h('tr', {}, headings.map(th))), h('tbody', {}, rows)),
  );
}

/** Shows what went wrong in `output`: the API's refusal word for word, or that the API could not be reached. */
export function showRefusal(output, error) {
  const message =
    error instanceof ApiRefusal ? error.message : `The API could not be reached: ${error.message}`;
  replace(output, h('p', { class: 'refusal', role: 'alert' }, message));
}

export const status = (value) => h('span', { class: `status ${value}` }, value.replaceAll('_', ' '));

export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, date.toLocaleString());
}

export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const money = (usd) =>
  typeof usd === 'number' && Number.isFinite(usd) ? `$${usd.toFixed(usd < 1 ? 4 : 2)}` : '';

/** The compact progress bar of a run's steps, one segment per step, with its text for screen readers. */
export function progress(statuses) {
  if (!Array.isArray(statuses) || statuses.length === 0) return h('span', { class: 'muted' }, 'no plan yet');
  const done = statuses.filter((s) => s === 'completed').length;
  return h(
    'div',
    { class: 'progress', role: 'img', 'aria-label': `${done} of ${statuses.length} steps completed` },
    statuses.map((s) => h('span', { class: s, title: s })),
  );
}

/** A repository URL without credentials (the admin's settings may carry some; nobody needs to see them). */
export const withoutCredentials = (url) => String(url).replace(/\/\/[^/@\s]+@/, '//***@');
