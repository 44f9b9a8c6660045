/** "rank 1 exited with signal SIGKILL (PeerLostError: ...)": how events name a worker's end. */
export function describeExit(rank: number, exit: { code: number | null; signal: string | null }, lastError: string | undefined): string {
  const how = exit.code === null ? `signal ${exit.signal ?? 'unknown'}` : `code ${exit.code}`;
  return `rank ${rank} exited with ${how}${lastError ? ` (${lastError})` : ''}`;
}
