// The generated commands answer `{status: "ok", data}` or `{status: "error", error}`; the UI
// turns an error into an exception carrying the shell's stable code and message.
import type { CommandError } from "./bindings";

export class CommandFailed extends Error {
  constructor(public readonly error: CommandError) {
    super(error.message);
  }
}

export async function unwrap<T>(
  result: Promise<{ status: "ok"; data: T } | { status: "error"; error: CommandError }>,
): Promise<T> {
  const r = await result;
  if (r.status === "error") throw new CommandFailed(r.error);
  return r.data;
}

/** The code and message of whatever went wrong (a command's error, or anything else). */
export function problemOf(e: unknown): CommandError {
  if (e instanceof CommandFailed) return e.error;
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as CommandError;
  return { code: "unexpected", message: e instanceof Error ? e.message : String(e) };
}
