/**
 * Bytes per second over the last few seconds, refreshed once a second: steadier, and
 * slower to change, than from one progress event to the next, so it can be read.
 */
export class SpeedMeter {
  private samples: [number, number][] = [];
  private shown: number | null = null;
  private shownAt = 0;

  reset(): void {
    this.samples = [];
    this.shown = null;
    this.shownAt = 0;
  }

  sample(loaded: number): number | null {
    const now = performance.now();
    this.samples.push([now, loaded]);
    while (this.samples.length > 2 && now - (this.samples[0]?.[0] ?? now) > 5000) this.samples.shift();
    if (now - this.shownAt < 1000) return this.shown;
    const [start, startLoaded] = this.samples[0] ?? [now, loaded];
    const elapsed = (now - start) / 1000;
    if (elapsed >= 0.5) {
      this.shown = Math.max(0, (loaded - startLoaded) / elapsed);
      this.shownAt = now;
    }
    return this.shown;
  }
}
