/**
 * A progress bar on a terminal (one line rewritten in place), or plain lines when the stream is
 * not a terminal (logs, CI). Log lines are printed above the bar.
 */
export class ProgressLine {
  private current = '';
  private lastPlain = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly quiet = false,
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(step: number, total: number, detail: string): void {
    if (this.quiet) return;
    const width = 24;
    const filled = Math.round((width * step) / Math.max(1, total));
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${step}/${total}  ${detail}`;
    if (this.tty) {
      this.current = line;
      this.stream.write(`\r\x1b[2K${line}`);
    } else if (step === total || Date.now() - this.lastPlain > 5000) {
      this.lastPlain = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  log(line: string): void {
    if (this.tty && this.current) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty && this.current) this.stream.write(this.current);
  }

  finish(): void {
    if (this.tty && this.current) this.stream.write('\n');
    this.current = '';
  }
}
