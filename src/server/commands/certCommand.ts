import { spawnSync } from "node:child_process";
import { loadConfig } from "../config.js";
import { loopbackTlsFiles, makeLoopbackCertificate, readLoopbackCertificate, tlsPortFor, trustCommand } from "../http/loopbackTls.js";

/**
 * `retake cert [--renew] [--no-trust]`: makes the loopback HTTPS certificate in the data dir (no
 * network, nothing leaves the machine) and asks the OS to trust it for this user, once. Needed
 * only where a host refuses http:// to 127.0.0.1 (Premiere on macOS, per Adobe's network docs);
 * the panel then reaches the backend on https://127.0.0.1:<port + 1> (or RETAKE_HTTPS_PORT) by itself.
 */
export async function certCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const files = loopbackTlsFiles(config.dataDir);
  const existing = readLoopbackCertificate(config.dataDir);
  if ("missing" in existing || args.includes("--renew")) {
    const made = await makeLoopbackCertificate(config.dataDir);
    process.stdout.write(`Made a loopback certificate for 127.0.0.1 and localhost, valid until ${made.validTo}:\n  ${made.cert}\n`);
  } else {
    process.stdout.write(`The loopback certificate is there (--renew makes a new one):\n  ${files.cert}\n`);
  }
  const trust = trustCommand(files.cert);
  if (!trust) {
    process.stdout.write("This OS needs no trust step for Retake (Premiere and After Effects run on macOS and Windows).\n");
  } else if (args.includes("--no-trust")) {
    process.stdout.write(`To trust it, run:\n  ${[trust.command, ...trust.args.map((a) => (a.includes(" ") ? `"${a}"` : a))].join(" ")}\n`);
  } else {
    process.stdout.write(`Asking the OS to trust it for your user (${trust.command}); it may ask for your password.\n`);
    const result = spawnSync(trust.command, trust.args, { stdio: "inherit" });
    if (result.error || result.status !== 0) {
      process.stderr.write(
        `Trusting the certificate failed (${result.error?.message ?? `exit ${result.status}`}). Run it yourself:\n  ${[trust.command, ...trust.args].join(" ")}\n`,
      );
      return 1;
    }
  }
  process.stdout.write(`Restart the backend: it then also serves https://127.0.0.1:${tlsPortFor(config.port, config.httpsPort)}, which the panel uses when http:// is refused.\n`);
  return 0;
}
