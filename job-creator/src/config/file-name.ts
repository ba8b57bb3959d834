/** The configuration file's name in the repository root (kept apart: --help must not load the schema). */
export const DEFAULT_CONFIG_FILE = "spacktainers.config.yaml";
