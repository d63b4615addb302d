import { currentSession, send } from './api.js';
import { h, replace, showRefusal } from './dom.js';

/**
 * Asks before an action that destroys something; resolves to {reason} or null when the person backs out. With
 * `reasonRequired`, the dialog does not confirm without one.
 */
export function confirmAction(text, { reasonRequired = false } = {}) {
  const dialog = document.getElementById('confirm');
  const reason = document.getElementById('confirm-reason');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-reason-label').textContent = reasonRequired
    ? 'Reason (required)'
    : 'Reason (optional)';
  reason.required = reasonRequired;
  reason.value = '';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'ok' ? { reason: reason.value.trim() } : null),
      { once: true },
    );
  });
}

/**
 * A button that posts one action to the API with a fresh idempotency key. Destructive ones ask first (with an
 * optional reason); the API's answer or refusal appears in `output` word for word.
 */
export function actionButton({
  label,
  path,
  confirm = null,
  reasonRequired = false,
  danger = false,
  primary = false,
  output,
  onDone = () => {},
  body = {},
}) {
  const button = h(
    'button',
    { type: 'button', class: danger ? 'danger' : primary ? 'primary' : null },
    label,
  );
  button.addEventListener('click', async () => {
    let request = { ...body };
    if (confirm !== null) {
      const answer = await confirmAction(confirm, { reasonRequired });
      if (answer === null) return;
      if (answer.reason) request = { ...request, reason: answer.reason };
    }
    button.disabled = true;
    try {
      const result = await send('POST', path, request);
      replace(
        output,
        h(
          'p',
          { class: 'notice', role: 'status' },
          `${label}: done${result?.replayed ? ' (already done before)' : ''}.`,
        ),
      );
      onDone(result);
    } catch (error) {
      showRefusal(output, error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * How each run action is offered, in the order shown: its label and, when it destroys something, the question asked
 * first (with a reason). `start` of a planned run is the approval of its plan (`/tundra go` in Taiga).
 */
const runActionViews = {
  start: () => ({ label: 'Approve plan', primary: true }),
  pause: () => ({ label: 'Pause' }),
  resume: () => ({ label: 'Resume' }),
  replan: (run) => ({
    label: 'Replan',
    confirm: `Replan ${run.title}? Its current steps are dropped and planned again.`,
    danger: true,
  }),
  cancel: (run) => ({
    label: 'Cancel run',
    confirm: `Cancel ${run.title}? Its engines are stopped and it cannot be resumed.`,
    danger: true,
  }),
};

const stepActionViews = {
  approve: () => ({ label: 'Approve', primary: true }),
  run: () => ({ label: 'Run next step' }),
  run_qa: () => ({ label: 'Run QA' }),
  reject: (step) => ({
    label: 'Reject',
    confirm: `Reject “${step.title}”? Say why: the step's next attempt gets your reason.`,
    reasonRequired: true,
    danger: true,
  }),
  retry: (step) => ({
    label: 'Retry',
    confirm: `Retry “${step.title}”? Its work so far is redone.`,
    danger: true,
  }),
};

/** The allowed actions in the views' order; one the console has no view for yet comes last, under its name. */
const offered = (views, allowed) => [
  ...Object.keys(views).filter((action) => allowed.includes(action)),
  ...allowed.filter((action) => !(action in views)),
];
const viewOf = (views, action, subject) => views[action]?.(subject) ?? { label: action };

/** The actions the run's state allows, as the API's machine table says (the session carries it). */
export function runActions(run, output, onDone) {
  const p = `/runs/${encodeURIComponent(run.id)}/actions`;
  const allowed = currentSession().actions.run[run.status] ?? [];
  return offered(runActionViews, allowed).map((action) =>
    actionButton({ ...viewOf(runActionViews, action, run), path: `${p}/${action}`, output, onDone }),
  );
}

/** The actions a step allows in its state and its run's. */
export function stepActions(step, runStatus, output, onDone) {
  const p = `/steps/${encodeURIComponent(step.id)}/actions`;
  const allowed = currentSession().actions.step[step.status]?.[runStatus] ?? [];
  return offered(stepActionViews, allowed).map((action) =>
    actionButton({ ...viewOf(stepActionViews, action, step), path: `${p}/${action}`, output, onDone }),
  );
}
