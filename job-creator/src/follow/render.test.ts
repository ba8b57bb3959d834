import { describe, expect, it } from "vitest";
import { withoutColours } from "./log-tail.js";
import { terminalReport } from "./render.js";

const ESC = String.fromCharCode(27);
const ERASE = new RegExp(`^${ESC}\\[(\\d+)F${ESC}\\[0J`);

/** What a terminal shows after these writes: `\e[NF\e[0J` takes back the last N lines. */
function screen(writes: readonly string[]): string[] {
  const lines: string[] = [];
  for (const write of writes) {
    const erase = ERASE.exec(write);
    if (erase) lines.splice(lines.length - Number(erase[1]));
    const text = erase ? write.slice(erase[0].length) : write;
    lines.push(...text.split("\n").slice(0, -1).map(withoutColours));
  }
  return lines;
}

const pipeline = { id: 9, projectId: 1, status: "running", webUrl: "https://x/9" };
const job = (id: number, name: string, status: string) => ({ id, name, stage: "s", status });

describe("terminalReport", () => {
  it("keeps one line per job: unfinished ones redrawn at the bottom, finished ones and logs above", () => {
    const writes: string[] = [];
    const report = terminalReport((text) => writes.push(text));
    report.pipeline("followed", pipeline);
    report.status(job(1, "build a", "pending"));
    report.status(job(2, "build b", "pending"));
    expect(screen(writes)).toEqual([
      "pipeline 9 (followed): https://x/9",
      "  ○ build a  pending",
      "  ○ build b  pending",
    ]);
    report.status(job(1, "build a", "running"));
    report.log(job(1, "build a", "running"), ["compiling"]);
    expect(screen(writes)).toEqual([
      "pipeline 9 (followed): https://x/9",
      "build a | compiling",
      "  ● build a  running",
      "  ○ build b  pending",
    ]);
    report.status(job(1, "build a", "success"));
    report.end({ ...pipeline, status: "failed" });
    expect(screen(writes)).toEqual([
      "pipeline 9 (followed): https://x/9",
      "build a | compiling",
      "✔ build a  success",
      "pipeline 9 failed: https://x/9",
    ]);
  });

  it("scrolls a notice of the command's own above the live block, which stays whole", () => {
    const writes: string[] = [];
    const report = terminalReport((text) => writes.push(text));
    report.status(job(1, "build a", "running"));
    report.status(job(2, "build b", "pending"));
    report.notice("retrying https://x/api/v4/jobs/1/trace: HTTP 429; attempt 2 in 1 s");
    expect(screen(writes)).toEqual([
      "retrying https://x/api/v4/jobs/1/trace: HTTP 429; attempt 2 in 1 s",
      "  ● build a  running",
      "  ○ build b  pending",
    ]);
  });

  it("keeps the live block within a screen, and lets a log through with its colours only", () => {
    const writes: string[] = [];
    const report = terminalReport((text) => writes.push(text));
    for (let i = 1; i <= 40; i++)
      report.status(job(i, `job ${i}`, i === 40 ? "running" : "pending"));
    const shown = screen(writes);
    expect(shown).toHaveLength(15);
    expect(shown[0]).toBe("  ● job 40  running");
    expect(shown.at(-1)).toBe("  … and 26 more jobs to finish");
    const raw: string[] = [];
    terminalReport((text) => raw.push(text)).log(job(1, "j", "running"), [
      `${ESC}[31mred${ESC}[0m ${ESC}]52;c;ZXZpbA==${ESC}\\ ${ESC}[2J${ESC}]0;title\x07 bell\x07`,
    ]);
    const written = raw.join("");
    expect(written).toContain(`${ESC}[31mred${ESC}[0m`);
    expect(written).not.toMatch(/52;c|\[2J|title/);
    expect(written).not.toContain("\x07");
  });
});
