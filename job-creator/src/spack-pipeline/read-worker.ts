/** The entry of a thread that reads spack outputs for read-parallel.ts. */
import { answerRequests } from "./read-parallel.js";

answerRequests();
