#!/usr/bin/env node
import { runMain } from "../../common/src/cli.js";
import { buildProgram } from "./program.js";

await runMain(buildProgram());
