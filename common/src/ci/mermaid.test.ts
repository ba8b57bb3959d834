import { describe, expect, it } from "vitest";
import { mermaidMarkdown, pictureFile, pipelineMermaid } from "./mermaid.js";
import type { CiEntry, CiPipeline } from "./types.js";

const job = (stage: string, needs?: string[]): CiEntry => ({
  stage,
  script: ["true"],
  ...(needs ? { needs: needs.map((n) => ({ job: n })) } : {}),
});

describe("a pipeline as a Mermaid diagram", () => {
  it("draws stages as boxes, needs as arrows, jobs without needs after the stage before", () => {
    const pipeline: CiPipeline = {
      stages: ["build", "test", "deploy"],
      jobs: {
        'build "x" <y>\nline two': job("build"),
        "test it": job("test", ['build "x" <y>\nline two']),
        "cross-pipeline only": {
          stage: "test",
          script: ["true"],
          needs: [{ pipeline: "$PARENT", job: "elsewhere" }],
        },
        ship: job("deploy"),
        child: {
          stage: "deploy",
          trigger: { include: [{ artifact: "out/child.yaml", job: "test it" }] },
          needs: [{ job: "test it" }],
        },
      },
    };
    expect(pipelineMermaid(pipeline, { bridgeNote: () => "3 jobs" })).toBe(
      [
        "flowchart LR",
        '  subgraph s0["build"]',
        "    direction TB",
        '    n0["build #quot;x#quot; #lt;y#gt; line two"]',
        "  end",
        '  subgraph s1["test"]',
        "    direction TB",
        '    n1["cross-pipeline only"]',
        '    n2["test it"]',
        "  end",
        '  subgraph s2["deploy"]',
        "    direction TB",
        '    n3[["child<br/>out/child.yaml<br/>3 jobs"]]',
        '    n4["ship"]',
        "  end",
        "  n2 --> n3",
        "  s1 --> n4",
        "  n0 --> n2",
        "",
      ].join("\n"),
    );
  });

  it("stays readable for 200 containers: one node per stage and architecture, one arrow between", () => {
    const jobs: Record<string, CiEntry> = {};
    for (let i = 0; i < 200; i++) {
      jobs[`build c${i} container for amd64`] = job("build");
      jobs[`create c${i} sif file for amd64`] = job("sif", [`build c${i} container for amd64`]);
    }
    jobs["build c0 container for arm64"] = job("build");
    const diagram = pipelineMermaid({ stages: ["build", "sif"], jobs });
    expect(diagram).toContain('n0[("200 jobs for amd64")]');
    expect(diagram).toContain('n1["build c0 container for arm64"]');
    expect(diagram).toContain('n2[("200 jobs for amd64")]');
    expect(diagram.split("\n").filter((l) => l.includes("-->"))).toEqual(["  n0 --> n2"]);
    expect(diagram.split("\n").length).toBeLessThan(20);
  });

  it("is Markdown that GitLab renders, in a file beside the pipeline", () => {
    expect(mermaidMarkdown("T", "flowchart LR\n")).toBe("# T\n\n```mermaid\nflowchart LR\n```\n");
    expect(pictureFile("generated_pipeline.yaml")).toBe("generated_pipeline.md");
    expect(pictureFile("a.yml")).toBe("a.md");
  });
});
