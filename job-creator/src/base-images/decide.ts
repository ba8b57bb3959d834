import type { BaseImageInputs, ImageDecision } from "./plan.js";

/** Decides whether one arch image of a base image must be rebuilt. */
export interface ImageDecider {
  decide(request: {
    inputs: BaseImageInputs;
    arch: string;
    repository: string;
    tag: string;
  }): Promise<ImageDecision>;
}

/** Why an image is planned offline: not because it is known to be missing. */
export const NOT_CHECKED = "registry not checked (--offline)";

/** `--offline`: nothing is asked, so everything is planned as if no image existed yet. */
export const offlineDecider: ImageDecider = {
  decide: () => Promise.resolve({ action: "rebuild", reason: NOT_CHECKED }),
};
