// Preloaded into measured child processes: reports their peak resident set size on exit.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload (node --require)
const { writeSync } = require("node:fs");
process.on("exit", () => {
  writeSync(2, `\nBENCH_MAX_RSS_KB ${process.resourceUsage().maxRSS}\n`);
});
