// What the page knows (filled by ./live-feed.js), and the one redraw per
// animation frame that every change asks for.

/** How far back the charts reach. */
export const HISTORY_MS = 5 * 60_000;

export const state = {
  statements: new Map(), // id -> entry
  calls: [], // recent backend calls, oldest first
  gauges: null,
  connectionHistory: [], // { at, postgres, mysql }
  selected: null,
  dirty: false,
};

let views = [];

/** The views each redraw draws, in page order (set once by ./dashboard.js). */
export function drawViews(...renders) {
  views = renders;
}

/** Asks for a redraw on the next animation frame (one, however many changes come before it). */
export function schedule() {
  if (state.dirty) return;
  state.dirty = true;
  requestAnimationFrame(() => {
    state.dirty = false;
    for (const render of views) render();
  });
}
