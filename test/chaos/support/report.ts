/** One pass/fail line of the suite: what was checked, whether it held, and the figures behind it. */
export interface Check {
  scenario: string;
  name: string;
  passed: boolean;
  /** The measured figures, for people: "10/10 runs", "max 6.8 s". */
  detail: string;
}

/** What a scenario reports: its checks, and figures that are measured but not judged. */
export class ScenarioReport {
  readonly checks: Check[] = [];
  readonly figures: { name: string; value: string }[] = [];

  constructor(readonly scenario: string) {}

  check(name: string, passed: boolean, detail: string): boolean {
    this.checks.push({ scenario: this.scenario, name, passed, detail });
    return passed;
  }

  figure(name: string, value: string): void {
    this.figures.push({ name, value });
  }

  /** A scenario that could not run to its end: one failed check says where it stopped. */
  aborted(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.check('ran to its end', false, message.split('\n')[0]!.slice(0, 300));
  }
}

const pad = (text: string, width: number) =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);

/** The suite's table: every check with its figures, then the measured figures, then `N passed, N failed`. */
export function formatReport(reports: readonly ScenarioReport[]): string {
  const checks = reports.flatMap((report) => report.checks);
  const scenarioWidth = Math.max(8, ...checks.map((c) => c.scenario.length));
  const nameWidth = Math.max(5, ...checks.map((c) => c.name.length));
  const lines = [
    `${pad('scenario', scenarioWidth)}  ${pad('check', nameWidth)}  result  figures`,
    `${'-'.repeat(scenarioWidth)}  ${'-'.repeat(nameWidth)}  ------  -------`,
    ...checks.map(
      (c) =>
        `${pad(c.scenario, scenarioWidth)}  ${pad(c.name, nameWidth)}  ${c.passed ? 'pass  ' : 'FAIL  '}  ${c.detail}`,
    ),
  ];
  const figures = reports.flatMap((report) =>
    report.figures.map((f) => ({ scenario: report.scenario, ...f })),
  );
  if (figures.length > 0) {
    const figureWidth = Math.max(6, ...figures.map((f) => f.name.length));
    lines.push(
      '',
      `${pad('scenario', scenarioWidth)}  ${pad('figure', figureWidth)}  value`,
      `${'-'.repeat(scenarioWidth)}  ${'-'.repeat(figureWidth)}  -----`,
      ...figures.map((f) => `${pad(f.scenario, scenarioWidth)}  ${pad(f.name, figureWidth)}  ${f.value}`),
    );
  }
  const passed = checks.filter((c) => c.passed).length;
  lines.push('', `${passed} passed, ${checks.length - passed} failed`);
  return lines.join('\n');
}

/** Seconds with one decimal, for figures. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
