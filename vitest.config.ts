import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests read tables row by row: a wide screen keeps each row on one line (lib/core/ui.ts fits tables to
    // $COLUMNS without a terminal). test/core/screens.test.ts sets its own widths to test the fitting.
    env: { COLUMNS: "400" },
    // Removes the temp folders that test/helpers/process.ts tempDir made, after each test file.
    setupFiles: ["test/helpers/cleanup.ts"],
  },
});
