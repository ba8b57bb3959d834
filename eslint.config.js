// ESLint: typescript-eslint's strict, type-checked rules over every TypeScript file.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "coverage/",
      ".tmp/",
      "test/fixtures/",
      "**/*.generated.ts",
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js", "bench/*.cjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // tsconfig's noUncheckedIndexedAccess types every regex group and map lookup as
      // possibly undefined; `!` marks the ones the code has just checked or built itself.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Numbers and booleans read naturally in messages ("12 files", "dry run: true").
      // `const { needs, ...rest } = job` is how a key is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "**/test/**/*.ts", "bench/**"],
    rules: {
      // Tests read fixtures with JSON.parse (typed any) and their assertions are the check.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Cleanup hooks guard servers that a failed setup never started (`open?.stop()`).
      "@typescript-eslint/no-unnecessary-condition": "off",
      // Stand-ins keep the async signature of what they replace.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["bench/*.cjs"],
    languageOptions: { globals: { process: "readonly", require: "readonly" } },
  },
);
