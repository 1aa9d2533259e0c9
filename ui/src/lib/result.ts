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
