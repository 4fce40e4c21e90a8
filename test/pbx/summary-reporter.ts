// Prints the lane's own `N passed, N failed` line after the run (CI greps it; the default reporter's
// summary is for people). A test skipped because its file or suite failed (a beforeAll that could not
// start the PBX) counts as failed: nothing in the lane is skipped on purpose.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

function failedAround(t: TestCase): boolean {
  for (let p: TestCase['parent'] | undefined = t.parent; p !== undefined; p = p.type === 'module' ? undefined : p.parent) {
    if (p.state() === 'failed') return true;
  }
  return false;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    for (const m of modules) {
      const tests = [...m.children.allTests()];
      for (const t of tests) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed' || failedAround(t)) failed++;
      }
      if (m.state() === 'failed' && tests.length === 0) failed++;
    }
    process.stdout.write(`real-PBX lane: ${passed} passed, ${failed} failed\n`);
  }
}
