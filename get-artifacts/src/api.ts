/** A bridge (trigger job) of a pipeline and the pipeline it started. */
export interface BridgeInfo {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly downstreamPipelineId?: number;
}

export interface JobInfo {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly hasArtifacts: boolean;
}

/**
 * The part of GitLab's REST API get-artifacts uses. Implementations page through every
 * list, retry what is transient, and turn refusals into errors that say what to fix.
 */
export interface PipelineApi {
  /** `GET /projects/:id/pipelines/:pipeline_id/bridges` */
  bridges(pipelineId: number): Promise<readonly BridgeInfo[]>;
  /** `GET /projects/:id/pipelines/:pipeline_id/jobs`, all pages. */
  jobs(pipelineId: number): Promise<readonly JobInfo[]>;
  /** `GET /projects/:id/jobs/:job_id/artifacts`: the zip archive. */
  artifacts(jobId: number): Promise<Uint8Array>;
}
