// Preloaded into measured child processes: reports their peak resident set size on exit.
process.on("exit", () => {
  require("node:fs").writeSync(2, `\nBENCH_MAX_RSS_KB ${process.resourceUsage().maxRSS}\n`);
});
