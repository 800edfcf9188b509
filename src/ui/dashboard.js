// The dashboard page: reads the live feed (/_aurora-ml/events) and draws five
// views with plain DOM and SVG. Every text from the server (SQL above all)
// goes in through textContent, never as HTML. No build step, no libraries:
// the page loads this file as a module, and it imports one module per view.

import { renderBackends } from './backends-view.js';
import { renderConnections } from './connections-view.js';
import { renderSwitches, startControls } from './controls-view.js';
import { renderCounters } from './counters-view.js';
import { connect } from './live-feed.js';
import { drawViews } from './page-state.js';
import { renderStatements } from './statements-view.js';

drawViews(renderStatements, renderBackends, renderConnections, renderCounters, renderSwitches);
startControls();
connect();
