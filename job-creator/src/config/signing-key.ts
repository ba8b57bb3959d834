import { realpath } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { InputError } from "../../../common/src/errors.js";
import type { Architecture } from "./architecture.js";
import { readRegularFileSync } from "../../../common/src/read-file.js";
import { describeFsError } from "../../../common/src/fs-errors.js";

/** Far above any armored public key (a few KB, more with many signatures on it). */
const MAX_PUBLIC_KEY_BYTES = 256 * 1024;

const PUBLIC_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const PUBLIC_END = "-----END PGP PUBLIC KEY BLOCK-----";
const PRIVATE_BEGIN = "-----BEGIN PGP PRIVATE KEY BLOCK-----";

/**
 * The public key an architecture's cache is signed with (`cache.signing.publicKey`), read
 * from the repository and checked: a file inside it (symlinks resolved), an ASCII-armored
 * public key and nothing secret. Undefined when the cache is unsigned.
 */
export async function readSigningPublicKey(
  repoRoot: string,
  arch: Architecture,
  configFile: string,
): Promise<string | undefined> {
  const signing = arch.cache.signing;
  if (!signing) return undefined;
  const setting = `architectures.${arch.name}.cache.signing.publicKey`;
  const fail = (message: string) => new InputError([{ file: configFile, path: setting, message }]);
  let real: string;
  try {
    real = await realpath(join(repoRoot, signing.publicKey));
  } catch (error) {
    throw fail(
      `${signing.publicKey}: ${describeFsError(error)}; commit the public key there (gpg --export --armor KEY-ID)`,
    );
  }
  const inside = relative(await realpath(repoRoot), real);
  if (inside.startsWith("..") || isAbsolute(inside))
    throw fail(
      `${signing.publicKey} resolves outside the repository: the key must be a file of the repository`,
    );
  const text = readSmallFile(real, () =>
    fail(`${signing.publicKey} is not a file of at most ${MAX_PUBLIC_KEY_BYTES} bytes`),
  );
  return checkPublicKey(text, (message) => fail(`${signing.publicKey}: ${message}`));
}

/** The armored public key, trimmed, or the error `fail` makes of what is wrong with it. */
export function checkPublicKey(text: string, fail: (message: string) => Error): string {
  if (text.includes(PRIVATE_BEGIN))
    throw fail(
      "holds a PRIVATE key: remove it from the repository (and its history), revoke it, and commit only the public key (gpg --export --armor KEY-ID)",
    );
  const trimmed = text.trim();
  if (!trimmed.startsWith(PUBLIC_BEGIN) || !trimmed.endsWith(PUBLIC_END))
    throw fail(
      `is not an ASCII-armored public key: expected one "${PUBLIC_BEGIN}" block, as gpg --export --armor KEY-ID writes`,
    );
  if (trimmed.indexOf(PUBLIC_BEGIN, 1) !== -1)
    throw fail("holds several key blocks: commit the one key the cache is signed with");
  return `${trimmed}\n`;
}

/** A regular file of at most MAX_PUBLIC_KEY_BYTES, read without following it past that size. */
function readSmallFile(path: string, fail: () => Error): string {
  try {
    return readRegularFileSync(path, path, {
      maxBytes: MAX_PUBLIC_KEY_BYTES,
      setting: "a public key's size",
    }).toString("utf8");
  } catch {
    throw fail();
  }
}
