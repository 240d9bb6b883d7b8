#!/usr/bin/env node
// The `retake` command. The backend is TypeScript run through tsx, so there is no compile step
// between editing and running.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/server/cli.ts");
process.exitCode = await main(process.argv.slice(2));
