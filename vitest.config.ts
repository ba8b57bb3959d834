import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    clearMocks: true,
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // s3rver's continuation tokens use DES, which OpenSSL 3 refuses without the legacy provider.
    env: { NODE_OPTIONS: "--openssl-legacy-provider" },
  },
});
