/** `npm run bench`: every benchmark, one after the other. */
await import("./process-spack-pipeline.js");
await import("./scheduling.js");
await import("./spackitor.js");
await import("./online-workflow.js");
await import("./pipeline-sizes.js");
await import("./startup.js");
