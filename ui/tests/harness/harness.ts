// The real UI with Tauri's IPC replaced by Tauri's own mocks (`@tauri-apps/api/mocks`). A test
// installs `window.__harnessSetup` (through Playwright's addInitScript) to answer commands; every
// call is recorded in `window.__harness.calls`, and `window.__harness.emit` raises a backend event.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

type Answer = unknown | ((args: Record<string, unknown>) => unknown);

interface Harness {
  calls: { cmd: string; args: Record<string, unknown> }[];
  answers: Record<string, Answer>;
  respond(cmd: string, answer: Answer): void;
  emit(event: string, payload: unknown): Promise<void>;
  callsTo(cmd: string): Record<string, unknown>[];
}

declare global {
  interface Window {
    __harness: Harness;
    __harnessSetup?: (harness: Harness) => void;
  }
}

const harness: Harness = {
  calls: [],
  answers: {},
  respond(cmd, answer) {
    this.answers[cmd] = answer;
  },
  emit: (event, payload) => emit(event, payload),
  callsTo(cmd) {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  },
};
window.__harness = harness;

mockWindows("main");
mockIPC(
  (cmd, args) => {
    const payload = (args ?? {}) as Record<string, unknown>;
    harness.calls.push({ cmd, args: payload });
    if (!(cmd in harness.answers)) {
      // A command the test did not expect answers like the shell would with a failure.
      throw { code: "unexpected", message: `the test did not expect ${cmd}` };
    }
    const answer = harness.answers[cmd];
    return typeof answer === "function" ? (answer as (a: Record<string, unknown>) => unknown)(payload) : answer;
  },
  { shouldMockEvents: true },
);

window.__harnessSetup?.(harness);
await import("../../src/main");
