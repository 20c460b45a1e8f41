/**
 * Screen-space picking: the candidate whose projected point is nearest to the pointer,
 * within a radius in pixels. A raycaster's world-space threshold is only right at the orbit
 * target's distance, which is why clicks used to miss; pixels are what a person aims with.
 */

/** Index of the nearest candidate to (x, y) within maxPx, or null; screenOf gives pixels or null (not shown). */
export function nearestOnScreen(
  count: number, screenOf: (k: number) => readonly [number, number] | null, x: number, y: number, maxPx: number,
): number | null {
  let best: number | null = null, bestD2 = maxPx * maxPx;
  for (let k = 0; k < count; k++) {
    const p = screenOf(k);
    if (!p) continue;
    const d2 = (p[0] - x) ** 2 + (p[1] - y) ** 2;
    if (d2 <= bestD2) { bestD2 = d2; best = k; }
  }
  return best;
}
