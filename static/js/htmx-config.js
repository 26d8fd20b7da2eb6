// htmx settings, in one cached file rather than a 300-byte <meta> on every page (bench/).
// Runs after htmx.min.js (both deferred) and before htmx starts (DOMContentLoaded).
// No inline styles or eval (the CSP forbids both); no history cache (pages hold CSRF tokens);
// 4xx answers are fragments with a message in the user's language, so they are swapped in.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
htmx.config.historyCacheSize = 0;
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "4..", swap: true, error: false },
  { code: "...", swap: false, error: true },
];
