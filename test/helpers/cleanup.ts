/** vitest setupFiles: after each test file, remove the temp folders its tests made with tempDir (no joco-* left in /tmp). */
import { afterAll } from "vitest";
import { removeTempDirs } from "./process.js";

afterAll(removeTempDirs);
